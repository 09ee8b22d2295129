//! The dashboard's text (overview, subnets, metagraphs, accounts, replays, the audit), in
//! English and Japanese: a second table beside [`super::Text`] so each part of the app keeps its
//! strings together. Sentences with numbers in them are methods.

use chain::rules::Evidence;

use super::Lang;

/// Every dashboard string in one language.
pub struct DashText {
    /// Which language this table is.
    pub lang: Lang,
    /// Skip link for keyboard users.
    pub skip_to_content: &'static str,
    /// Navigation landmark label.
    pub nav_label: &'static str,
    /// Navigation: subnets.
    pub nav_subnets: &'static str,
    /// Navigation: audit.
    pub nav_audit: &'static str,
    /// Badge: light client.
    pub badge_light: &'static str,
    /// Badge: snapshot.
    pub badge_snapshot: &'static str,
    /// Badge: verified RPC.
    pub badge_verified_rpc: &'static str,
    /// Badge: trusted RPC.
    pub badge_trusted_rpc: &'static str,
    /// Source: verified RPC (endpoints follow).
    pub source_is_verified_rpc: &'static str,
    /// Source: trusted RPC (endpoints follow).
    pub source_is_trusted_rpc: &'static str,
    /// Settings heading.
    pub source_settings: &'static str,
    /// Choice: light client.
    pub source_kind_light: &'static str,
    /// Choice: verified RPC.
    pub source_kind_verified: &'static str,
    /// Choice: trusted RPC.
    pub source_kind_trusted: &'static str,
    /// Field: chain spec path.
    pub source_spec: &'static str,
    /// Field: endpoints.
    pub source_endpoints: &'static str,
    /// Field: checkpoint path.
    pub source_checkpoint: &'static str,
    /// Label of the light client's optional checkpoint path.
    pub source_light_checkpoint: &'static str,
    /// Label of the light client's boot node override.
    pub source_boot_nodes: &'static str,
    /// Button: save and reload.
    pub source_save: &'static str,
    /// Button: back to the default.
    pub source_reset: &'static str,
    /// Note under the settings.
    pub source_settings_note: &'static str,
    /// Error: no usable endpoint.
    pub source_bad_endpoints: &'static str,
    /// Badge: a local node (tests).
    pub badge_local: &'static str,
    /// Progress: requests out.
    pub requests_in_flight: &'static str,
    /// Source failed.
    pub source_failed: &'static str,
    /// Source starting.
    pub source_loading: &'static str,
    /// Source panel heading.
    pub source_title: &'static str,
    /// Source: light client.
    pub source_is_light: &'static str,
    /// Source: snapshot.
    pub source_is_snapshot: &'static str,
    /// Source panel help.
    pub source_help: &'static str,
    /// Load a snapshot file.
    pub source_load_snapshot: &'static str,
    /// A figure the runtime does not store.
    pub not_available: &'static str,
    /// Items this runtime lacks.
    pub unavailable_items: &'static str,
    /// Table filter label.
    pub filter: &'static str,
    /// Export CSV.
    pub export_csv: &'static str,
    /// Export JSON.
    pub export_json: &'static str,
    /// Overview heading.
    pub overview_title: &'static str,
    /// Overview lead.
    pub overview_lead: &'static str,
    /// Progress: overview.
    pub reading_overview: &'static str,
    /// Stat: issuance.
    pub stat_issuance: &'static str,
    /// Stat: block reward.
    pub stat_reward: &'static str,
    /// Stat: next halving.
    pub stat_halving: &'static str,
    /// Stat: subnets.
    pub stat_subnets: &'static str,
    /// "of the 21,000,000 τ cap".
    pub of_cap: &'static str,
    /// "per day".
    pub per_day: &'static str,
    /// "blocks".
    pub blocks: &'static str,
    /// "at issuance".
    pub halving_at: &'static str,
    /// Subnets stat note.
    pub subnets_note: &'static str,
    /// Emission chart title.
    pub chart_emission_title: &'static str,
    /// Emission chart description.
    pub chart_emission_desc: &'static str,
    /// Emission chart x axis.
    pub chart_emission_x: &'static str,
    /// Story heading.
    pub story_title: &'static str,
    /// Story: Yuma.
    pub story_yuma: &'static str,
    /// Story: what is verified.
    pub story_trust: &'static str,
    /// Card: subnets.
    pub card_subnets: &'static str,
    /// Card: audit.
    pub card_audit: &'static str,
    /// Card: chain.
    pub card_chain: &'static str,
    /// Subnets heading.
    pub subnets_title: &'static str,
    /// Subnets lead.
    pub subnets_lead: &'static str,
    /// Progress: subnets.
    pub reading_subnets: &'static str,
    /// Registration panel heading.
    pub registration_title: &'static str,
    /// Lock chart title.
    pub lock_chart_title: &'static str,
    /// Lock chart description.
    pub lock_chart_desc: &'static str,
    /// Lock chart x axis.
    pub lock_chart_x: &'static str,
    /// Pruning panel heading.
    pub pruning_title: &'static str,
    /// Pruning: this runtime prunes.
    pub pruning_active: &'static str,
    /// Pruning: this runtime does not prune.
    pub pruning_none: &'static str,
    /// Pruning rule.
    pub pruning_rule: &'static str,
    /// Nobody is at risk.
    pub none_at_risk: &'static str,
    /// Tag: immune from pruning.
    pub immune: &'static str,
    /// Tag: the uid a registration replaces next.
    pub next_pruned: &'static str,
    /// Column: netuid.
    pub col_netuid: &'static str,
    /// Column: name.
    pub col_name: &'static str,
    /// Column: neurons.
    pub col_neurons: &'static str,
    /// Column: tempo.
    pub col_tempo: &'static str,
    /// Column: price.
    pub col_price: &'static str,
    /// Column: emission share.
    pub col_emission_share: &'static str,
    /// Column: TAO in pool.
    pub col_tao_in: &'static str,
    /// Column: alpha in pool.
    pub col_alpha_in: &'static str,
    /// Column: alpha staked.
    pub col_alpha_out: &'static str,
    /// Column: registration burn.
    pub col_burn: &'static str,
    /// Column: Yuma rule.
    pub col_rule: &'static str,
    /// Column: next epoch.
    pub col_next_epoch: &'static str,
    /// Column: registered.
    pub col_registered: &'static str,
    /// Column: owner.
    pub col_owner: &'static str,
    /// Column: uid.
    pub col_uid: &'static str,
    /// Column: hotkey.
    pub col_hotkey: &'static str,
    /// Column: coldkey.
    pub col_coldkey: &'static str,
    /// Column: alpha stake.
    pub col_stake: &'static str,
    /// Column: root stake.
    pub col_root_stake: &'static str,
    /// Column: permit.
    pub col_permit: &'static str,
    /// Column: active.
    pub col_active: &'static str,
    /// Column: consensus.
    pub col_consensus: &'static str,
    /// Column: incentive.
    pub col_incentive: &'static str,
    /// Column: dividends.
    pub col_dividends: &'static str,
    /// Column: validator trust.
    pub col_vtrust: &'static str,
    /// Column: emission.
    pub col_emission: &'static str,
    /// Column: last update.
    pub col_last_update: &'static str,
    /// Column: pruning score.
    pub col_pruning: &'static str,
    /// Column: take.
    pub col_take: &'static str,
    /// Column: stake rank.
    pub col_rank: &'static str,
    /// Column: stake weight.
    pub col_stake_weight: &'static str,
    /// Column: dividends paid.
    pub col_dividends_paid: &'static str,
    /// Column: field.
    pub col_field: &'static str,
    /// Column: chain value.
    pub col_chain: &'static str,
    /// Column: replay value.
    pub col_replay: &'static str,
    /// Column: epoch block.
    pub col_epoch_block: &'static str,
    /// Column: verdict.
    pub col_verdict: &'static str,
    /// Column: mismatches.
    pub col_mismatches: &'static str,
    /// Column: batch ranking.
    pub col_batch_ranking: &'static str,
    /// Column: lab link.
    pub col_lab: &'static str,
    /// Column: alpha amount.
    pub col_alpha: &'static str,
    /// Column: TAO value.
    pub col_value: &'static str,
    /// Metagraph heading.
    pub metagraph_title: &'static str,
    /// Role filter label.
    pub role_label: &'static str,
    /// Permits heading.
    pub permits_title: &'static str,
    /// Split heading.
    pub split_title: &'static str,
    /// Split: owner.
    pub split_owner: &'static str,
    /// Split: miners.
    pub split_miners: &'static str,
    /// Split: validators.
    pub split_validators: &'static str,
    /// Split note.
    pub split_note: &'static str,
    /// Returns heading.
    pub returns_title: &'static str,
    /// Hyperparameters heading.
    pub hyperparams_title: &'static str,
    /// Replay heading.
    pub replay_title: &'static str,
    /// Replay lead.
    pub replay_lead: &'static str,
    /// Progress: replay.
    pub reading_replay: &'static str,
    /// Above a page whose refresh failed: the numbers below are from the last good read.
    pub refresh_failed: &'static str,
    /// "Compared:".
    pub compared: &'static str,
    /// Open in the lab.
    pub open_in_lab: &'static str,
    /// Account heading.
    pub account_title: &'static str,
    /// Progress: account.
    pub reading_account: &'static str,
    /// Free balance.
    pub free_balance: &'static str,
    /// Staked value.
    pub staked_value: &'static str,
    /// Total value.
    pub total_value: &'static str,
    /// Owned hotkeys.
    pub owned_hotkeys: &'static str,
    /// How values are computed.
    pub value_note: &'static str,
    /// Audit heading.
    pub audit_title: &'static str,
    /// Audit lead.
    pub audit_lead: &'static str,
    /// Audit table caption.
    pub audit_caption: &'static str,
    /// Fixed engine note.
    pub audit_fixed_note: &'static str,
    /// Batch engine note.
    pub audit_batch_note: &'static str,
    /// Batch ranking: same.
    pub ranking_same: &'static str,
    /// Batch ranking: differs.
    pub ranking_differs: &'static str,
}

/// English.
pub static DASH_EN: DashText = DashText {
    lang: Lang::En,
    skip_to_content: "Skip to content",
    nav_label: "Main",
    nav_subnets: "Subnets",
    nav_audit: "Audit",
    badge_light: "verified · light client",
    badge_snapshot: "snapshot",
    badge_verified_rpc: "verified · RPC",
    badge_trusted_rpc: "trusted RPC · not verified",
    source_is_verified_rpc: "The dashboard reads a JSON-RPC endpoint and verifies every answer in this page: finality from a shipped checkpoint by GRANDPA justifications, every value by a Merkle proof. Endpoint:",
    source_is_trusted_rpc: "The dashboard believes a JSON-RPC endpoint as it answers (nothing verified). Endpoint:",
    source_settings: "Read the chain through",
    source_kind_light: "Light client (p2p, chain spec)",
    source_kind_verified: "Verified RPC (checkpoint + justifications + proofs)",
    source_kind_trusted: "Trusted RPC (nothing verified)",
    source_spec: "Chain spec (path in this app)",
    source_endpoints: "Endpoints (ws:// or wss://, comma-separated, tried in order)",
    source_checkpoint: "Checkpoint (path in this app)",
    source_light_checkpoint: "Start from a checkpoint (path in this app; empty: from the spec's genesis)",
    source_boot_nodes: "Boot nodes to dial instead of the spec's (multiaddrs ending in /p2p/…, comma-separated; empty: the spec's)",
    source_save: "Save and reload",
    source_reset: "Back to the default",
    source_settings_note: "Kept in this browser only. A ?rpc= or ?spec= in the address wins over it; trusting an endpoint is only ever set here, never by a link. finney's only boot node is plain ws://, which an https page may not dial: read finney with verified RPC.",
    source_bad_endpoints: "Give at least one ws:// or wss:// endpoint.",
    badge_local: "local node",
    requests_in_flight: "requests to the light client:",
    source_failed: "The data source failed:",
    source_loading: "Starting the data source…",
    source_title: "Data source",
    source_is_light: "The dashboard reads through the light client in this page: headers, finality and Merkle proofs are checked here.",
    source_is_snapshot: "The dashboard shows a snapshot (recorded earlier, not re-verified):",
    source_help: "Load a snapshot made with `taoscope snapshot` to browse without a node; reload the page to go back to the light client.",
    source_load_snapshot: "Load a snapshot file",
    not_available: "not available on this runtime",
    unavailable_items: "Not available on this runtime:",
    filter: "Filter",
    export_csv: "CSV",
    export_json: "JSON",
    overview_title: "Bittensor, checked in your browser",
    overview_lead: "Supply, emission, subnets and their consensus, read from the chain and verified in this page, with every subnet's last epoch recomputed here.",
    reading_overview: "Reading the chain's totals…",
    stat_issuance: "TAO issued",
    stat_reward: "Block reward",
    stat_halving: "Next halving",
    stat_subnets: "Subnets",
    of_cap: "of the 21,000,000 τ cap",
    per_day: "per day",
    blocks: "blocks",
    halving_at: "at",
    subnets_note: "including root (netuid 0)",
    chart_emission_title: "TAO emitted per day",
    chart_emission_desc: "TAO issued per day from now, stepping down at each halving (estimated from the current issuance and block time; recycled TAO pushes halvings later).",
    chart_emission_x: "years from now",
    story_title: "How it fits together",
    story_yuma: "In each subnet, validators weigh miners. Every tempo blocks the chain runs an epoch of Yuma consensus: the stake-weighted median of each miner's weights (kappa) is its consensus, weights above it are clipped, miners are paid incentive for clipped stake-weighted support, and validators dividends through bonds on the miners they supported.",
    story_trust: "Figures read through the light client were checked in this page against block headers, GRANDPA finality and Merkle proofs; figures from a snapshot are shown as recorded. Replays recompute each subnet's last epoch with the chain's own fixed-point arithmetic and say whether it matches, field by field.",
    card_subnets: "Every subnet: price, emission, pools, registration cost and pruning.",
    card_audit: "Every subnet's last epoch, replayed and compared with what the chain stored.",
    card_chain: "The light client: peers, verified heads, and the data source.",
    subnets_title: "Subnets",
    subnets_lead: "Every subnet the chain has, read at one finalized block. Click a column to sort; the view is kept in the address.",
    reading_subnets: "Reading every subnet…",
    registration_title: "Registering a subnet",
    lock_chart_title: "Subnet lock cost over time",
    lock_chart_desc: "What registering a subnet locks, from now until it decays to the minimum (the runtime's own formula, if nobody registers meanwhile).",
    lock_chart_x: "from now",
    pruning_title: "At risk of pruning",
    pruning_active: "This runtime has a subnet limit: when it is reached, registering prunes the non-immune subnet with the lowest moving price (the emission weight). Next in line:",
    pruning_none: "This runtime has no subnet limit and prunes no subnets. If it did, as later runtimes do, the non-immune subnets with the lowest moving price would go first:",
    pruning_rule: "New subnets are immune for NetworkImmunityPeriod blocks.",
    none_at_risk: "None: every subnet is still immune.",
    immune: "immune",
    next_pruned: "next to be replaced",
    col_netuid: "netuid",
    col_name: "Name",
    col_neurons: "Neurons",
    col_tempo: "Tempo",
    col_price: "Price τ/α",
    col_emission_share: "Emission",
    col_tao_in: "TAO in",
    col_alpha_in: "α in",
    col_alpha_out: "α staked",
    col_burn: "Burn τ",
    col_rule: "Rule",
    col_next_epoch: "Next epoch",
    col_registered: "Registered",
    col_owner: "Owner",
    col_uid: "uid",
    col_hotkey: "Hotkey",
    col_coldkey: "Coldkey",
    col_stake: "Stake α",
    col_root_stake: "Root τ",
    col_permit: "Permit",
    col_active: "Active",
    col_consensus: "Consensus",
    col_incentive: "Incentive",
    col_dividends: "Dividends",
    col_vtrust: "V-trust",
    col_emission: "Emission α",
    col_last_update: "Updated",
    col_pruning: "Pruning score",
    col_take: "Take",
    col_rank: "Rank",
    col_stake_weight: "Stake weight",
    col_dividends_paid: "Dividends α/epoch",
    col_field: "Field",
    col_chain: "Chain",
    col_replay: "Replay",
    col_epoch_block: "Epoch block",
    col_verdict: "Verdict",
    col_mismatches: "Mismatches",
    col_batch_ranking: "Batch ranking",
    col_lab: "Lab",
    col_alpha: "Amount",
    col_value: "Value τ",
    metagraph_title: "Metagraph",
    role_label: "Show",
    permits_title: "Why these uids hold permits",
    split_title: "Where the emission goes",
    split_owner: "Owner",
    split_miners: "Miners (incentive)",
    split_validators: "Validators (dividends)",
    split_note: "The owner's cut is SubnetOwnerCut; the rest is split by the last epoch, as stored in Emission (about half each when both sides are paid).",
    returns_title: "Validator returns (estimated)",
    hyperparams_title: "Hyperparameters",
    replay_title: "Replay of the last epoch",
    replay_lead: "The epoch's inputs as the chain held them the block before it ran, recomputed with yuma::fixed and compared with what the chain stored in the epoch block.",
    reading_replay: "Reading the last epoch's inputs and outputs…",
    refresh_failed: "Refreshing failed; what follows is the last good read.",
    compared: "Compared:",
    open_in_lab: "Open this epoch in the lab",
    account_title: "Account",
    reading_account: "Reading the account…",
    free_balance: "Free",
    staked_value: "Staked (value)",
    total_value: "Total",
    owned_hotkeys: "Hotkeys owned",
    value_note: "Values are alpha × the subnet's current price: what a position is worth at the margin, before slippage and fees.",
    audit_title: "Audit",
    audit_lead: "Every subnet's last epoch, replayed in this page and compared with what the chain stored.",
    audit_caption: "Replays of every subnet's last epoch",
    audit_fixed_note: "gives each verdict: the chain's fixed-point arithmetic, compared value by value.",
    audit_batch_note: "ranks all subnets in one batch (f32); its rankings are compared with the fixed path's, not bit for bit.",
    ranking_same: "same ranking",
    ranking_differs: "ranking differs",
};

/// Japanese.
pub static DASH_JA: DashText = DashText {
    lang: Lang::Ja,
    skip_to_content: "本文へ移動",
    nav_label: "メイン",
    nav_subnets: "サブネット",
    nav_audit: "監査",
    badge_light: "検証済み · ライトクライアント",
    badge_snapshot: "スナップショット",
    badge_verified_rpc: "検証済み · RPC",
    badge_trusted_rpc: "信頼 RPC · 未検証",
    source_is_verified_rpc: "JSON-RPC エンドポイントを読み込み、すべての応答をこのページで検証しています(同梱のチェックポイントから GRANDPA ジャスティフィケーションでファイナリティ、各値はマークル証明)。エンドポイント:",
    source_is_trusted_rpc: "JSON-RPC エンドポイントの応答をそのまま信頼しています(検証なし)。エンドポイント:",
    source_settings: "チェーンの読み込み方法",
    source_kind_light: "ライトクライアント(p2p、チェーンスペック)",
    source_kind_verified: "検証付き RPC(チェックポイント + ジャスティフィケーション + 証明)",
    source_kind_trusted: "信頼 RPC(検証なし)",
    source_spec: "チェーンスペック(このアプリ内のパス)",
    source_endpoints: "エンドポイント(ws:// または wss://、カンマ区切り、順に試行)",
    source_checkpoint: "チェックポイント(このアプリ内のパス)",
    source_light_checkpoint: "チェックポイントから開始(このアプリ内のパス。空欄ならスペックのジェネシスから)",
    source_boot_nodes: "スペックの代わりに接続するブートノード(/p2p/… で終わる multiaddr をカンマ区切りで。空欄ならスペックのもの)",
    source_save: "保存して再読み込み",
    source_reset: "既定に戻す",
    source_settings_note: "このブラウザにのみ保存されます。アドレスの ?rpc=、?spec= が優先されます。エンドポイントを信頼する設定はここでのみ行え、リンクでは設定できません。finney の唯一のブートノードは ws:// のため https のページからは接続できません。finney は検証付き RPC で読み込んでください。",
    source_bad_endpoints: "ws:// または wss:// のエンドポイントを少なくとも一つ指定してください。",
    badge_local: "ローカルノード",
    requests_in_flight: "ライトクライアントへのリクエスト:",
    source_failed: "データソースが失敗しました:",
    source_loading: "データソースを起動しています…",
    source_title: "データソース",
    source_is_light: "このページ内のライトクライアントを通して読み込んでいます。ヘッダー、ファイナリティ、マークル証明はここで検証されます。",
    source_is_snapshot: "スナップショットを表示しています(以前に記録されたもので、再検証はしていません):",
    source_help: "`taoscope snapshot` で作成したスナップショットを読み込むと、ノードなしで閲覧できます。ライトクライアントに戻すにはページを再読み込みしてください。",
    source_load_snapshot: "スナップショットファイルを読み込む",
    not_available: "このランタイムにはありません",
    unavailable_items: "このランタイムにない項目:",
    filter: "絞り込み",
    export_csv: "CSV",
    export_json: "JSON",
    overview_title: "Bittensor をブラウザで検証",
    overview_lead: "供給量、エミッション、サブネットとそのコンセンサスをチェーンから読み込み、このページで検証します。各サブネットの直近のエポックもここで再計算します。",
    reading_overview: "チェーンの合計値を読み込んでいます…",
    stat_issuance: "発行済み TAO",
    stat_reward: "ブロック報酬",
    stat_halving: "次の半減期",
    stat_subnets: "サブネット数",
    of_cap: "(上限 21,000,000 τ に対して)",
    per_day: "/日",
    blocks: "ブロック",
    halving_at: "発行量",
    subnets_note: "ルート(netuid 0)を含む",
    chart_emission_title: "1 日あたりの TAO 発行量",
    chart_emission_desc: "今後 1 日あたりに発行される TAO。半減期ごとに半分になります(現在の発行量とブロック時間からの推定。リサイクルされた TAO は半減期を遅らせます)。",
    chart_emission_x: "今からの年数",
    story_title: "しくみ",
    story_yuma: "各サブネットではバリデーターがマイナーに重みを付けます。チェーンは tempo ブロックごとに Yuma コンセンサスのエポックを実行します。各マイナーへの重みのステーク加重中央値(kappa)がコンセンサスとなり、それを超える重みはクリップされます。マイナーはクリップ後のステーク加重の支持に応じてインセンティブを、バリデーターは支持したマイナーへのボンドを通じて配当を受け取ります。",
    story_trust: "ライトクライアントから読んだ値は、このページでブロックヘッダー、GRANDPA ファイナリティ、マークル証明に照らして検証されています。スナップショットの値は記録されたとおりに表示します。リプレイは各サブネットの直近のエポックをチェーンと同じ固定小数点演算で再計算し、項目ごとに一致するかを示します。",
    card_subnets: "全サブネット:価格、エミッション、プール、登録コスト、プルーニング。",
    card_audit: "全サブネットの直近のエポックを再計算し、チェーンの保存値と比較します。",
    card_chain: "ライトクライアント:ピア、検証済みのヘッド、データソース。",
    subnets_title: "サブネット",
    subnets_lead: "チェーン上の全サブネットを、ひとつのファイナライズ済みブロックで読み込みます。列をクリックすると並べ替えます。表示状態はアドレスに保存されます。",
    reading_subnets: "全サブネットを読み込んでいます…",
    registration_title: "サブネットの登録",
    lock_chart_title: "サブネットのロックコストの推移",
    lock_chart_desc: "サブネット登録時にロックされる額。今から最低額に下がるまで(その間に誰も登録しない場合の、ランタイム自身の式)。",
    lock_chart_x: "今から",
    pruning_title: "プルーニングの対象",
    pruning_active: "このランタイムにはサブネット数の上限があります。上限に達すると、登録によって移動平均価格(エミッションの重み)が最も低い免除期間外のサブネットが削除されます。次の候補:",
    pruning_none: "このランタイムにはサブネット数の上限がなく、サブネットを削除しません。後のランタイムのように削除するとしたら、移動平均価格が最も低い免除期間外のサブネットが先になります:",
    pruning_rule: "新しいサブネットは NetworkImmunityPeriod ブロックの間、保護されます。",
    none_at_risk: "なし:すべてのサブネットがまだ保護期間中です。",
    immune: "保護中",
    next_pruned: "次に置き換え",
    col_netuid: "netuid",
    col_name: "名前",
    col_neurons: "ニューロン",
    col_tempo: "テンポ",
    col_price: "価格 τ/α",
    col_emission_share: "エミッション",
    col_tao_in: "TAO(プール)",
    col_alpha_in: "α(プール)",
    col_alpha_out: "α(ステーク)",
    col_burn: "登録バーン τ",
    col_rule: "ルール",
    col_next_epoch: "次のエポック",
    col_registered: "登録",
    col_owner: "オーナー",
    col_uid: "uid",
    col_hotkey: "ホットキー",
    col_coldkey: "コールドキー",
    col_stake: "ステーク α",
    col_root_stake: "ルート τ",
    col_permit: "許可",
    col_active: "アクティブ",
    col_consensus: "コンセンサス",
    col_incentive: "インセンティブ",
    col_dividends: "配当",
    col_vtrust: "V トラスト",
    col_emission: "エミッション α",
    col_last_update: "更新",
    col_pruning: "プルーニングスコア",
    col_take: "テイク",
    col_rank: "順位",
    col_stake_weight: "ステーク重み",
    col_dividends_paid: "配当 α/エポック",
    col_field: "項目",
    col_chain: "チェーン",
    col_replay: "リプレイ",
    col_epoch_block: "エポックのブロック",
    col_verdict: "判定",
    col_mismatches: "不一致",
    col_batch_ranking: "バッチの順位",
    col_lab: "ラボ",
    col_alpha: "数量",
    col_value: "価値 τ",
    metagraph_title: "メタグラフ",
    role_label: "表示",
    permits_title: "バリデーター許可の理由",
    split_title: "エミッションの行き先",
    split_owner: "オーナー",
    split_miners: "マイナー(インセンティブ)",
    split_validators: "バリデーター(配当)",
    split_note: "オーナーの取り分は SubnetOwnerCut、残りは直近のエポックが Emission に保存したとおりに分配されます(両方に支払いがあればおよそ半分ずつ)。",
    returns_title: "バリデーターの利回り(推定)",
    hyperparams_title: "ハイパーパラメーター",
    replay_title: "直近のエポックのリプレイ",
    replay_lead: "エポック実行の 1 ブロック前にチェーンが保持していた入力を yuma::fixed で再計算し、エポックのブロックでチェーンが保存した値と比較します。",
    reading_replay: "直近のエポックの入力と出力を読み込んでいます…",
    refresh_failed: "更新に失敗しました。以下は最後に正しく読み込めた内容です。",
    compared: "比較した項目:",
    open_in_lab: "このエポックをラボで開く",
    account_title: "アカウント",
    reading_account: "アカウントを読み込んでいます…",
    free_balance: "残高",
    staked_value: "ステーク(評価額)",
    total_value: "合計",
    owned_hotkeys: "所有ホットキー",
    value_note: "評価額は α × サブネットの現在価格です。スリッページや手数料を含まない、限界的な価値です。",
    audit_title: "監査",
    audit_lead: "全サブネットの直近のエポックをこのページで再計算し、チェーンの保存値と比較します。",
    audit_caption: "全サブネットの直近のエポックのリプレイ",
    audit_fixed_note: "が判定を出します:チェーンの固定小数点演算で、値ごとに比較します。",
    audit_batch_note: "が全サブネットをひとつのバッチ(f32)で順位付けします。順位は固定小数点の結果と比較し、ビット単位では比較しません。",
    ranking_same: "順位は同じ",
    ranking_differs: "順位が異なる",
};

impl DashText {
    fn ja(&self) -> bool {
        self.lang == Lang::Ja
    }

    /// Progress of the audit.
    pub fn audit_progress(&self, done: usize, n: usize) -> String {
        if self.ja() {
            format!("リプレイ中… {done} / {n} サブネット")
        } else {
            format!("Replaying… {done} of {n} subnets")
        }
    }

    /// Weights heading.
    pub fn weights_title(&self, n: usize) -> String {
        if self.ja() {
            format!("設定した重み({n})")
        } else {
            format!("Weights it set ({n})")
        }
    }

    /// Bonds heading.
    pub fn bonds_title(&self, n: usize) -> String {
        if self.ja() {
            format!("保有するボンド({n})")
        } else {
            format!("Bonds it holds ({n})")
        }
    }

    /// The lock's minimum and when it is reached.
    pub fn lock_detail(&self, min: String, floor: Option<(String, f64)>) -> String {
        match (floor, self.ja()) {
            (Some((block, days)), false) => {
                format!(
                    "Minimum {min} τ, reached at block #{block} (in {days:.1} days) if nobody registers."
                )
            }
            (Some((block, days)), true) => {
                format!(
                    "最低額 {min} τ。誰も登録しなければブロック #{block}({days:.1} 日後)に到達します。"
                )
            }
            (None, false) => format!("Minimum {min} τ; this lock does not decay."),
            (None, true) => format!("最低額 {min} τ。このロックは減衰しません。"),
        }
    }

    /// Metagraph caption.
    pub fn metagraph_caption(&self, netuid: u16, block: u64) -> String {
        if self.ja() {
            format!("netuid {netuid} のメタグラフ(ブロック #{block})")
        } else {
            format!("Metagraph of netuid {netuid} at block #{block}")
        }
    }

    /// Subnets caption.
    pub fn subnets_caption(&self, block: u64) -> String {
        if self.ja() {
            format!("全サブネット(ブロック #{block})")
        } else {
            format!("Every subnet at block #{block}")
        }
    }

    /// Positions caption.
    pub fn positions_caption(&self, block: u64) -> String {
        if self.ja() {
            format!("サブネットとホットキーごとのステーク(ブロック #{block})")
        } else {
            format!("Stake per subnet and hotkey at block #{block}")
        }
    }

    /// Mismatches caption.
    pub fn mismatches_caption(&self, count: usize) -> String {
        if self.ja() {
            format!("不一致 {count} 件")
        } else {
            format!("{count} values differ")
        }
    }

    /// The permit rule.
    pub fn permits_rule(&self, slots: Option<u16>) -> String {
        let slots = slots.map_or("—".into(), |s| s.to_string());
        if self.ja() {
            format!(
                "MaxAllowedValidators = {slots} 枠。エポックでステーク重み(StakeWeight)が正の上位 {slots} 件の uid が許可を得ます。"
            )
        } else {
            format!(
                "MaxAllowedValidators = {slots} slots. Each epoch, the {slots} uids with the largest non-zero stake weight (StakeWeight) get permits."
            )
        }
    }

    /// Why one uid holds a permit or not.
    pub fn permit_reason(
        &self,
        permit: bool,
        rank: Option<u16>,
        weight: Option<String>,
        slots: Option<u16>,
    ) -> String {
        let slots = slots.map_or("—".into(), |s| s.to_string());
        let weight = weight.unwrap_or_else(|| "—".into());
        match (permit, rank, self.ja()) {
            (true, Some(r), false) => {
                format!("yes: stake rank {r} of {slots} slots (stake weight {weight})")
            }
            (true, Some(r), true) => {
                format!("あり:ステーク順位 {r}({slots} 枠中、ステーク重み {weight})")
            }
            (false, Some(r), false) => {
                format!("no: stake rank {r}, {slots} slots (stake weight {weight})")
            }
            (false, Some(r), true) => {
                format!("なし:ステーク順位 {r}({slots} 枠、ステーク重み {weight})")
            }
            (p, None, false) => format!("{}: no stake weight", if p { "yes" } else { "no" }),
            (p, None, true) => format!("{}:ステーク重みなし", if p { "あり" } else { "なし" }),
        }
    }

    /// A replay waiting for the epoch at block `at`, the chain being at `now`.
    pub fn waiting_epoch(&self, at: u64, now: u64) -> String {
        let left = at.saturating_sub(now);
        if self.ja() {
            format!(
                "直近のエポックはライトクライアントが追跡を始める前に実行されたため読めません。\
                 次のエポック（ブロック #{at}、残り {left} ブロック）を待っています…"
            )
        } else {
            format!(
                "The last epoch ran before this light client began following the chain, and it \
                 reads only blocks it has followed: waiting for the next epoch at block #{at} \
                 ({left} blocks to go)…"
            )
        }
    }

    /// Reading one subnet.
    pub fn reading_subnet(&self, netuid: u16) -> String {
        if self.ja() {
            format!("netuid {netuid} を読み込んでいます…")
        } else {
            format!("Reading netuid {netuid}…")
        }
    }

    /// The blocks a replay read.
    pub fn replay_blocks(&self, input: u64, epoch: u64, spec: u32) -> String {
        if self.ja() {
            format!("入力 #{input}、出力 #{epoch}、ランタイム spec {spec}")
        } else {
            format!("inputs at #{input}, outputs at #{epoch}, runtime spec {spec}")
        }
    }

    /// The rule set and how it is known.
    pub fn rule_line(&self, rule: &str, evidence: Option<Evidence>) -> String {
        let how = match (evidence, self.ja()) {
            (Some(Evidence::Verified), false) => {
                "verified against this runtime in taoscope's tests"
            }
            (Some(Evidence::Verified), true) => "taoscope のテストでこのランタイムと照合済み",
            (Some(Evidence::Assumed), false) => "assumed from the nearest verified runtime",
            (Some(Evidence::Assumed), true) => "最も近い照合済みランタイムからの推定",
            (None, false) => "no rules for this runtime",
            (None, true) => "このランタイムのルールはありません",
        };
        if self.ja() {
            format!("ルール {rule}({how})")
        } else {
            format!("rules {rule} ({how})")
        }
    }

    /// The estimate behind the returns.
    pub fn returns_note(&self, epochs_per_year: f64, tempo: u16, block_s: f64) -> String {
        if self.ja() {
            format!(
                "直近のエポックでホットキーに支払われた α 配当(テイク控除後)÷ その α ステーク × 年間エポック数 {epochs_per_year:.0}(tempo {tempo} + 1 ブロック × {block_s} 秒)。価格、エミッション、ステークが変わらない前提の推定です。"
            )
        } else {
            format!(
                "Alpha dividends paid to the hotkey in the last epoch (after its take) ÷ its alpha stake × {epochs_per_year:.0} epochs a year (tempo {tempo} + 1 blocks of {block_s} s). An estimate that assumes price, emission and stake stay as they are."
            )
        }
    }

    /// A role filter's name.
    pub fn role_name(&self, role: &str) -> &'static str {
        match (role, self.ja()) {
            ("validators", false) => "Validators",
            ("validators", true) => "バリデーター",
            ("miners", false) => "Miners",
            ("miners", true) => "マイナー",
            ("active", false) => "Active",
            ("active", true) => "アクティブ",
            (_, false) => "All",
            (_, true) => "すべて",
        }
    }

    /// A verdict in words.
    pub fn verdict(&self, verdict: &str) -> &'static str {
        match (verdict, self.ja()) {
            ("exact", false) => "exact: every value matches the chain's",
            ("exact", true) => "完全一致:すべての値がチェーンと一致",
            ("differs", false) => "differs",
            ("differs", true) => "不一致",
            (_, false) => "unsupported",
            (_, true) => "未対応",
        }
    }

    /// The supply paragraph with live numbers.
    pub fn story_supply(&self, reward: Option<u64>, block_s: Option<f64>) -> String {
        let reward = reward.map_or("—".into(), |r| format!("{}", r as f64 / 1e9));
        let block = block_s.map_or("—".into(), |b| format!("{b}"));
        if self.ja() {
            format!(
                "TAO の上限は 21,000,000、小数点以下 9 桁(1 TAO = 10⁹ rao)です。このチェーンは {block} 秒ごとにブロックを作り、いまのブロック報酬は {reward} τ です。報酬は発行量が残りの半分を超えるたびに半減します(1,050 万、1,575 万、1,837.5 万 TAO …)。"
            )
        } else {
            format!(
                "TAO is capped at 21,000,000 with 9 decimals (1 TAO = 10⁹ rao). This chain makes a block every {block} s and pays {reward} τ per block now; the reward halves each time issuance crosses another half of what remains (10.5M, 15.75M, 18.375M TAO…)."
            )
        }
    }

    /// The subnets paragraph with live numbers.
    pub fn story_subnets(&self, networks: Option<u16>, owner_cut: Option<f64>) -> String {
        let n = networks.map_or("—".into(), |n| n.to_string());
        let cut = owner_cut.map_or("—".into(), |c| format!("{:.0}%", c * 100.0));
        let rest = owner_cut.map_or("—".into(), |c| format!("{:.0}%", (1.0 - c) * 50.0));
        if self.ja() {
            format!(
                "エミッションは {n} のサブネット(ルートを含む)に分けられます。各サブネットは最大 256 の uid を持ち、ステーク上位が バリデーター許可を持ち、残りはマイナーです。サブネットのエミッションのうち {cut} がオーナー、残りがマイナーとバリデーターにおよそ {rest} ずつ渡ります。"
            )
        } else {
            format!(
                "Emission is shared among {n} subnets (root included). Each subnet has up to 256 uids; the top stakers hold validator permits and the rest are miners. Of a subnet's emission, {cut} goes to its owner and the rest to miners and validators, about {rest} each."
            )
        }
    }
}
