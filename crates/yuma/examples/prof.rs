use yuma::synthetic::{Shape, subnet};
fn main() {
    let mut input = subnet(&Shape::classic(), 7);
    for _ in 0..3 {
        let out = yuma::fixed::epoch(&input);
        input.carry(&out);
    }
    let t = std::time::Instant::now();
    for _ in 0..20000 {
        std::hint::black_box(yuma::fixed::epoch(std::hint::black_box(&input)));
    }
    eprintln!("{:?}", t.elapsed() / 20000);
}
