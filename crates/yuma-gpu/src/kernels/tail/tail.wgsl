// Stages 3-5 in one dispatch: incentive, bonds and emission each run one workgroup per job
// and read only what their own job's workgroup wrote in the stage before (the job's matrix
// and vectors), so a storage barrier inside the workgroup orders them as the boundary between
// two dispatches did, and the epoch needs three dispatches instead of five. Each stage still
// loads what it reads from storage as it did on its own: the same values in the same order,
// so the outputs are those of the separate stages bit for bit (a test runs both).

// Workgroup memory the three stages share: each stage fills what it uses after the barrier
// that ends the stage before, so no stage sees another's values.
var<workgroup> consensus: array<f32, 256>;
var<workgroup> active_stake: array<f32, 256>;
var<workgroup> total: f32;

@compute @workgroup_size(256)
fn tail_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    incentive_stage(wid.x, t);
    sync_storage();
    bonds_stage(wid.x, t);
    sync_storage();
    emission_stage(wid.x, t);
}
