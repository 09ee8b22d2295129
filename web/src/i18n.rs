//! English and Japanese text for every string the user sees, and the `Lang` signal that picks one.
//!
//! Each language is one static [`Text`] table, so a missing translation is a compile error rather
//! than a key that silently falls back. Strings with numbers in them are plain functions. Error
//! details that come from the engine (`yuma::case::CaseError` names a JSON field) stay in English:
//! they quote field names and are meant to be pasted into a bug report.

use leptos::prelude::*;

mod dash;
mod stake;
pub use dash::{DASH_EN, DASH_JA, DashText};
pub use stake::{STAKE_EN, STAKE_JA, StakeText};

/// Where the choice is kept between visits.
const STORAGE_KEY: &str = "taoscope.lang";

/// A language the page can be shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Japanese.
    Ja,
}

impl Lang {
    /// All languages, in the order the switch shows them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ja];

    /// The BCP 47 tag, used for `<html lang>`, `?lang=` and storage.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    /// Parses a tag such as `ja` or `ja-JP`; anything else is `None`.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next().unwrap_or_default();
        match primary.to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "ja" => Some(Lang::Ja),
            _ => None,
        }
    }

    /// The language's name in itself, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ja => "日本語",
        }
    }

    /// The text table of this language.
    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &EN,
            Lang::Ja => &JA,
        }
    }

    /// The dashboard's text table of this language.
    pub fn dash(self) -> &'static DashText {
        match self {
            Lang::En => &DASH_EN,
            Lang::Ja => &DASH_JA,
        }
    }

    /// The staking panel's text table of this language.
    pub fn stake(self) -> &'static StakeText {
        match self {
            Lang::En => &STAKE_EN,
            Lang::Ja => &STAKE_JA,
        }
    }
}

/// The language signal shared through context.
#[derive(Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    /// Picks the starting language (`?lang=` first, then the stored choice, then English),
    /// provides it as context and keeps `<html lang>` and storage in step with it.
    pub fn provide() -> I18n {
        let i18n = I18n {
            lang: RwSignal::new(initial_lang()),
        };
        provide_context(i18n);
        Effect::new(move |_| {
            let lang = i18n.lang.get();
            if let Some(root) = document().document_element() {
                // Failing to set an attribute only affects screen readers' voice; nothing to do.
                let _ = root.set_attribute("lang", lang.code());
            }
        });
        i18n
    }

    /// The current language (tracked).
    pub fn lang(self) -> Lang {
        self.lang.get()
    }

    /// The current text table (tracked).
    pub fn t(self) -> &'static Text {
        self.lang.get().text()
    }

    /// The current dashboard text table (tracked).
    pub fn d(self) -> &'static DashText {
        self.lang.get().dash()
    }

    /// The current staking text table (tracked).
    pub fn s(self) -> &'static StakeText {
        self.lang.get().stake()
    }

    /// Switches language and remembers the choice.
    pub fn set(self, lang: Lang) {
        self.lang.set(lang);
        if let Some(storage) = local_storage() {
            // Private browsing may refuse storage; the switch still works for this visit.
            let _ = storage.set_item(STORAGE_KEY, lang.code());
        }
    }
}

/// The [`I18n`] provided by the app root.
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// A value this browser keeps for the app (`None` when absent or storage is refused).
pub fn local_get(key: &str) -> Option<String> {
    local_storage().and_then(|s| s.get_item(key).ok().flatten())
}

/// Keeps `value` under `key`. Private browsing may refuse storage: the setting then holds for
/// this visit only, which costs the user a click next time, so the refusal is not an error.
pub fn local_set(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}

/// Forgets `key`.
pub fn local_remove(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

fn initial_lang() -> Lang {
    let from_query = location_param("lang").and_then(|code| Lang::from_code(&code));
    if let Some(lang) = from_query {
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(STORAGE_KEY, lang.code());
        }
        return lang;
    }
    local_storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|code| Lang::from_code(&code))
        .unwrap_or_default()
}

/// The first value of `key` in the page's query: the one before the hash, then the hash's own
/// (path-style links move their query into the hash, see `route`).
pub fn location_param(key: &str) -> Option<String> {
    let location = window().location();
    let search = location.search().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let in_hash = hash.split_once('?').map_or("", |(_, q)| q);
    [search.as_str(), in_hash]
        .iter()
        .find_map(|q| query_param(q, key))
}

/// The first value of `key` in a `?a=b&c=d` query string, percent-decoded (an endpoint URL or a
/// multiaddr may come encoded).
pub fn query_param(search: &str, key: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| crate::route::decode(v))
}

/// Every user-visible string of the app in one language.
pub struct Text {
    /// One line under the product name.
    pub tagline: &'static str,
    /// Navigation: the overview page.
    pub nav_home: &'static str,
    /// Navigation: the consensus lab.
    pub nav_lab: &'static str,
    /// Chain page: heading.
    pub chain_title: &'static str,
    /// Chain page: what the panel is.
    pub chain_intro: &'static str,
    /// Chain page: what the panel is, in the verified RPC mode.
    pub chain_intro_verified_rpc: &'static str,
    /// Chain page: what the panel is, in the trusted RPC mode.
    pub chain_intro_trusted_rpc: &'static str,
    /// Chain page: peers row.
    pub chain_peers: &'static str,
    /// Chain page: best block row.
    pub chain_best: &'static str,
    /// Chain page: finalized block row.
    pub chain_finalized: &'static str,
    /// Chain page: time since the last block.
    pub chain_since: &'static str,
    /// Chain page: runtime row.
    pub chain_runtime: &'static str,
    /// Chain page: number of subnets row.
    pub chain_total_networks: &'static str,
    /// Chain page: footnote.
    pub chain_note: &'static str,
    /// Chain page: the block saved in this browser for the next visit's start.
    pub chain_saved: &'static str,
    /// Chain page: what the saved block is for (after its number).
    pub chain_saved_note: &'static str,
    /// Source badge: verified by the in-page light client.
    pub chain_source_light: &'static str,
    /// Phase: connecting.
    pub chain_connecting: &'static str,
    /// Phase: syncing.
    pub chain_syncing: &'static str,
    /// Phase: synced.
    pub chain_synced: &'static str,
    /// Phase: disconnected.
    pub chain_disconnected: &'static str,
    /// Phase: failed.
    pub chain_failed: &'static str,
    /// Navigation: the chain page.
    pub nav_chain: &'static str,
    /// Label of the language switch.
    pub language: &'static str,
    /// Footer: before the engine badge.
    pub footer_engine: &'static str,
    /// Footer: what the app does not do.
    pub footer_trust: &'static str,
    /// Engine badge: the fixed-point CPU engine.
    pub engine_cpu_fixed: &'static str,
    /// Page shown for an unknown path.
    pub not_found: &'static str,
    /// Overview: heading.
    pub home_title: &'static str,
    /// Overview: paragraphs.
    pub home_intro: [&'static str; 2],
    /// Overview: the lab card's heading.
    pub home_lab_title: &'static str,
    /// Overview: the lab card's text.
    pub home_lab_text: &'static str,
    /// Overview: the link to the lab.
    pub home_lab_link: &'static str,
    /// Overview: note on what comes later.
    pub home_later: &'static str,
    /// Lab: heading.
    pub lab_title: &'static str,
    /// Lab: one paragraph on what the page does.
    pub lab_intro: &'static str,
    /// Lab: case picker label.
    pub lab_case: &'static str,
    /// Lab: shown while the case list or a case loads.
    pub lab_loading: &'static str,
    /// Lab: kappa slider label.
    pub lab_kappa: &'static str,
    /// Lab: kappa help.
    pub lab_kappa_help: &'static str,
    /// Lab: button resetting kappa to the case's value.
    pub lab_kappa_reset: &'static str,
    /// Lab: summary labels.
    pub lab_uids: &'static str,
    /// Lab: validators with permits.
    pub lab_validators: &'static str,
    /// Lab: active uids.
    pub lab_active: &'static str,
    /// Lab: Yuma variant label.
    pub lab_variant: &'static str,
    /// Lab: epoch time label.
    pub lab_epoch_time: &'static str,
    /// Lab: how many epochs the time shown is the mean of.
    pub lab_epoch_runs: fn(u32) -> String,
    /// Lab: the chart's heading.
    pub lab_chart_title: &'static str,
    /// Lab: the chart's accessible description.
    pub lab_chart_desc: &'static str,
    /// Lab: legend for miners.
    pub lab_legend_miner: &'static str,
    /// Lab: legend for validators.
    pub lab_legend_validator: &'static str,
    /// Lab: the table's heading.
    pub lab_table_title: &'static str,
    /// Table column: rank.
    pub col_rank: &'static str,
    /// Table column: uid.
    pub col_uid: &'static str,
    /// Table column: stake share.
    pub col_stake: &'static str,
    /// Table column: consensus.
    pub col_consensus: &'static str,
    /// Table column: incentive.
    pub col_incentive: &'static str,
    /// Table column: dividends.
    pub col_dividends: &'static str,
    /// Table column: validator trust.
    pub col_vtrust: &'static str,
    /// Table column: validator permit.
    pub col_permit: &'static str,
    /// Permit cell: has a permit.
    pub permit_yes: &'static str,
    /// Marker for a uid outside the activity cutoff.
    pub inactive: &'static str,
    /// Error panel heading.
    pub error_title: &'static str,
    /// Error panel: the figures shown are from the last case that loaded.
    pub error_kept: &'static str,
    /// Error panel: no case loaded yet.
    pub error_none_yet: &'static str,
    /// Yes / no for the variant summary.
    pub liquid_alpha: &'static str,
    /// Footer: between the exact engine's badge and the batch engine's.
    pub footer_batch: &'static str,
    /// Batch engine badge while the browser is asked for an adapter.
    pub engine_detecting: &'static str,
    /// Batch engine badge without an adapter, before the reason.
    pub engine_cpu_f32: &'static str,
    /// Batch engine badge when the only adapter is a software one, before its name.
    pub engine_cpu_software: &'static str,
    /// The switch that runs batches on a software adapter anyway.
    pub gpu_anyway: &'static str,
    /// Lab: the table's tag saying it is the exact path.
    pub lab_table_exact: &'static str,
    /// Lab: bonds moving average slider.
    pub lab_bonds_ma: &'static str,
    /// Lab: bonds penalty slider.
    pub lab_bonds_penalty: &'static str,
    /// Lab: Yuma version switch.
    pub lab_yuma_version: &'static str,
    /// Lab: liquid alpha toggle.
    pub lab_liquid_alpha: &'static str,
    /// Lab: liquid alpha hint under Yuma3.
    pub lab_liquid_alpha_on3: &'static str,
    /// Lab: liquid alpha hint under Yuma1.
    pub lab_liquid_alpha_yuma1: &'static str,
    /// Lab: button resetting every parameter to the case's.
    pub lab_reset_all: &'static str,
    /// Sweep: heading.
    pub sweep_title: &'static str,
    /// Sweep: what it shows.
    pub sweep_help: &'static str,
    /// Sweep: the chart's accessible description.
    pub sweep_desc: &'static str,
    /// Sweep: uid picker.
    pub sweep_uid: &'static str,
    /// Sweep: output picker.
    pub sweep_output: &'static str,
    /// Sweep: points picker.
    pub sweep_points: &'static str,
    /// Sweep: points and time of the batched run.
    pub sweep_time: fn(usize, &str) -> String,
    /// Sweep and stress: shown while a batch runs.
    pub sweep_busy: &'static str,
    /// Sweep and stress: error heading.
    pub sweep_error: &'static str,
    /// Sweep: legend of the line.
    pub sweep_legend_line: &'static str,
    /// Sweep: legend of the marker.
    pub sweep_marker: &'static str,
    /// Stress: heading.
    pub stress_title: &'static str,
    /// Stress: the switch.
    pub stress_toggle: &'static str,
    /// Stress: what it does.
    pub stress_help: &'static str,
    /// Stress: the batch fit in a frame.
    pub stress_fits: &'static str,
    /// Stress: the batch took longer than a frame.
    pub stress_over: &'static str,
    /// Stress: subnets and kappa of the batch shown.
    pub stress_detail: fn(usize, u16) -> String,
}

static EN: Text = Text {
    tagline: "Bittensor, verified in your browser",
    nav_home: "Overview",
    nav_lab: "Consensus lab",
    chain_title: "Chain",
    chain_intro: "A smoldot light client in this page syncs the chain itself: it checks every header's signature and GRANDPA finality, and reads storage through Merkle proofs. No RPC server is trusted.",
    chain_intro_verified_rpc: "This page reads a JSON-RPC endpoint and trusts it for nothing: finality is carried from a checkpoint shipped with the app by GRANDPA justifications, checked here with the smoldot library, and every value by a Merkle proof against a proven state root. A block newer than the last justification is not shown.",
    chain_intro_trusted_rpc: "This page believes a JSON-RPC endpoint as it answers: nothing here is verified, and every figure says so.",
    chain_peers: "Peers",
    chain_best: "Best block",
    chain_finalized: "Finalized block",
    chain_since: "Since last block",
    chain_runtime: "Runtime",
    chain_total_networks: "Subnets (TotalNetworks)",
    chain_note: "Losing the peer keeps what is shown; the client redials the boot nodes by itself.",
    chain_saved: "Saved for the next visit",
    chain_saved_note: "verified here; the next visit starts from it, not from the checkpoint",
    chain_source_light: "verified · light client",
    chain_connecting: "connecting",
    chain_syncing: "syncing",
    chain_synced: "synced",
    chain_disconnected: "disconnected — reconnecting",
    chain_failed: "stopped",
    nav_chain: "Chain",
    language: "Language",
    footer_engine: "Figures on this page are computed in your browser by",
    footer_trust: "No server computes or stores anything: the page is static files.",
    engine_cpu_fixed: "CPU · fixed point (bit-exact)",
    not_found: "This page does not exist.",
    home_title: "See how a subnet pays, and check it yourself",
    home_intro: [
        "taoscope recomputes Bittensor's Yuma consensus in the page: the rule that turns \
         validators' weights and stake into each miner's incentive and each validator's \
         dividends.",
        "The engine is the chain's own fixed-point arithmetic, so the figures match what \
         subtensor stores, bit for bit.",
    ],
    home_lab_title: "Consensus lab",
    home_lab_text: "Load an example subnet, move kappa and watch consensus, clipping and \
                    incentive change on every step.",
    home_lab_link: "Open the lab",
    home_later: "Live subnets from a light client come next.",
    lab_title: "Consensus lab",
    lab_intro: "Pick an example subnet. Each change of a setting reruns one Yuma epoch here, \
                in WebAssembly, with the chain's fixed-point arithmetic; the kappa sweep runs \
                batches of epochs on your GPU through WebGPU when the browser offers an adapter, \
                and says so when it does not.",
    lab_case: "Example subnet",
    lab_loading: "Loading…",
    lab_kappa: "Kappa",
    lab_kappa_help: "The stake majority a weight needs to count as consensus; weights above \
                     consensus are clipped.",
    lab_kappa_reset: "Reset",
    lab_uids: "UIDs",
    lab_validators: "Validator permits",
    lab_active: "Active",
    lab_variant: "Rules",
    lab_epoch_time: "Epoch time",
    lab_epoch_runs: |runs| {
        if runs > 1 {
            format!("mean of {runs} runs")
        } else {
            "one run".to_owned()
        }
    },
    lab_chart_title: "Incentive per uid",
    lab_chart_desc: "Bar chart of each uid's incentive share, in uid order.",
    lab_legend_miner: "Miner",
    lab_legend_validator: "Validator permit",
    lab_table_title: "Ranking by incentive",
    col_rank: "Rank",
    col_uid: "UID",
    col_stake: "Stake share",
    col_consensus: "Consensus",
    col_incentive: "Incentive",
    col_dividends: "Dividends",
    col_vtrust: "Validator trust",
    col_permit: "Permit",
    permit_yes: "Validator",
    inactive: "inactive",
    error_title: "Could not load this case",
    error_kept: "The figures below are still those of the last case that loaded.",
    error_none_yet: "Pick another example subnet.",
    liquid_alpha: "liquid alpha",
    footer_batch: "and sweeps by",
    engine_detecting: "Looking for a WebGPU adapter…",
    engine_cpu_f32: "CPU · f32 — no WebGPU adapter:",
    engine_cpu_software: "CPU · f32 — faster here than the software adapter",
    gpu_anyway: "use the GPU anyway",
    lab_table_exact: "fixed point · bit-exact with the chain",
    lab_bonds_ma: "Bonds moving average",
    lab_bonds_penalty: "Bonds penalty",
    lab_yuma_version: "Yuma version",
    lab_liquid_alpha: "Liquid alpha",
    lab_liquid_alpha_on3: "per-bond EMA rate from alpha_low to alpha_high",
    lab_liquid_alpha_yuma1: "read by Yuma3 only",
    lab_reset_all: "Reset all to the case",
    sweep_title: "Kappa sweep",
    sweep_help: "One batched run over kappa from 0 to 1, with the other settings above, in f32 on \
                 the engine named here. The dot is the current kappa, from the exact table.",
    sweep_desc: "Line chart of one uid's output against kappa from 0 to 1.",
    sweep_uid: "UID",
    sweep_output: "Output",
    sweep_points: "Points",
    sweep_time: |points, time| format!("{points} epochs in {time}"),
    sweep_busy: " · running…",
    sweep_error: "The batch engine failed",
    sweep_legend_line: "Sweep (f32)",
    sweep_marker: "current kappa (fixed point)",
    stress_title: "128 subnets per frame?",
    stress_toggle: "Run on every kappa change",
    stress_help: "128 synthetic subnets of 256 uids in one batch on the engine above, at the \
                  slider's kappa. A frame at 60 Hz lasts 16 ms.",
    stress_fits: "fits in a 16 ms frame",
    stress_over: "longer than a 16 ms frame",
    stress_detail: |subnets, kappa| format!("{subnets} subnets × 256 uids at kappa {kappa}/65535"),
};

static JA: Text = Text {
    tagline: "Bittensor をブラウザで検証する",
    nav_home: "概要",
    nav_lab: "コンセンサス・ラボ",
    chain_title: "チェーン",
    chain_intro: "このページ内の smoldot ライトクライアントがチェーンを自分で同期します。各ヘッダーの署名と GRANDPA のファイナリティを検証し、ストレージはマークル証明で読み取ります。RPC サーバーを信頼しません。",
    chain_intro_verified_rpc: "このページは JSON-RPC エンドポイントを読み込みますが、何も信頼しません。アプリに同梱したチェックポイントから GRANDPA ジャスティフィケーションでファイナリティをたどり(smoldot ライブラリでここで検証)、各値は証明済みのステートルートに対するマークル証明で検証します。最後のジャスティフィケーションより新しいブロックは表示しません。",
    chain_intro_trusted_rpc: "このページは JSON-RPC エンドポイントの応答をそのまま信頼しています。ここでは何も検証されず、すべての数値にそう表示されます。",
    chain_peers: "ピア",
    chain_best: "最新ブロック",
    chain_finalized: "確定ブロック",
    chain_since: "前のブロックから",
    chain_runtime: "ランタイム",
    chain_total_networks: "サブネット数 (TotalNetworks)",
    chain_note: "ピアを失っても表示は残り、クライアントがブートノードに自動で再接続します。",
    chain_saved: "次回の開始点として保存",
    chain_saved_note: "ここで検証済み。次回はチェックポイントではなくここから開始します",
    chain_source_light: "検証済み · ライトクライアント",
    chain_connecting: "接続中",
    chain_syncing: "同期中",
    chain_synced: "同期済み",
    chain_disconnected: "切断 — 再接続中",
    chain_failed: "停止",
    nav_chain: "チェーン",
    language: "言語",
    footer_engine: "このページの数値はブラウザ内で計算しています。エンジン:",
    footer_trust: "サーバーは何も計算も保存もしません。このページは静的ファイルだけです。",
    engine_cpu_fixed: "CPU · 固定小数点(ビット単位で一致)",
    not_found: "このページは存在しません。",
    home_title: "サブネットの報酬の仕組みを見て、自分で確かめる",
    home_intro: [
        "taoscope は Bittensor の Yuma コンセンサスをページ内で再計算します。\
         バリデータの重みとステークから、各マイナーのインセンティブと\
         各バリデータの配当を決めるルールです。",
        "エンジンはチェーンと同じ固定小数点演算なので、数値は subtensor が保存する値と\
         ビット単位で一致します。",
    ],
    home_lab_title: "コンセンサス・ラボ",
    home_lab_text: "サンプルのサブネットを読み込み、kappa を動かして、コンセンサス・クリッピング・\
                    インセンティブの変化を一歩ずつ確認できます。",
    home_lab_link: "ラボを開く",
    home_later: "ライトクライアントによる実際のサブネット表示は次の段階で追加します。",
    lab_title: "コンセンサス・ラボ",
    lab_intro: "サンプルのサブネットを選んでください。設定を変えるたびに、チェーンと同じ\
                固定小数点演算で Yuma のエポックを WebAssembly 上で再計算します。\
                kappa スイープはブラウザが WebGPU アダプタを提供すれば GPU 上で一括計算し、\
                提供しない場合はその旨を表示します。",
    lab_case: "サンプルのサブネット",
    lab_loading: "読み込み中…",
    lab_kappa: "Kappa",
    lab_kappa_help: "重みがコンセンサスとみなされるのに必要なステークの割合。\
                     コンセンサスを超える重みはクリップされます。",
    lab_kappa_reset: "元に戻す",
    lab_uids: "UID 数",
    lab_validators: "バリデータ権限",
    lab_active: "アクティブ",
    lab_variant: "ルール",
    lab_epoch_time: "エポック計算時間",
    lab_epoch_runs: |runs| {
        if runs > 1 {
            format!("{runs} 回の平均")
        } else {
            "1 回".to_owned()
        }
    },
    lab_chart_title: "UID ごとのインセンティブ",
    lab_chart_desc: "各 UID のインセンティブの割合を UID 順に示す棒グラフ。",
    lab_legend_miner: "マイナー",
    lab_legend_validator: "バリデータ権限あり",
    lab_table_title: "インセンティブ順のランキング",
    col_rank: "順位",
    col_uid: "UID",
    col_stake: "ステーク比率",
    col_consensus: "コンセンサス",
    col_incentive: "インセンティブ",
    col_dividends: "配当",
    col_vtrust: "バリデータ信頼度",
    col_permit: "権限",
    permit_yes: "バリデータ",
    inactive: "非アクティブ",
    error_title: "このケースを読み込めませんでした",
    error_kept: "下の数値は、最後に読み込めたケースのままです。",
    error_none_yet: "別のサンプルを選んでください。",
    liquid_alpha: "リキッドアルファ",
    footer_batch: "、スイープの計算:",
    engine_detecting: "WebGPU アダプタを確認中…",
    engine_cpu_f32: "CPU · f32 — WebGPU アダプタなし:",
    engine_cpu_software: "CPU · f32 — ソフトウェアアダプタより高速:",
    gpu_anyway: "それでも GPU を使う",
    lab_table_exact: "固定小数点 · チェーンとビット単位で一致",
    lab_bonds_ma: "ボンドの移動平均",
    lab_bonds_penalty: "ボンド・ペナルティ",
    lab_yuma_version: "Yuma のバージョン",
    lab_liquid_alpha: "リキッドアルファ",
    lab_liquid_alpha_on3: "ボンドごとの EMA 係数を alpha_low〜alpha_high で決める",
    lab_liquid_alpha_yuma1: "Yuma3 でのみ有効",
    lab_reset_all: "すべてケースの値に戻す",
    sweep_title: "Kappa スイープ",
    sweep_help: "上の設定のまま kappa を 0 から 1 まで動かし、ここに示すエンジンで f32 の\
                 エポックを一括計算します。点は現在の kappa(表の厳密な値)です。",
    sweep_desc: "kappa(0〜1)に対する 1 つの UID の出力の折れ線グラフ。",
    sweep_uid: "UID",
    sweep_output: "出力",
    sweep_points: "点数",
    sweep_time: |points, time| format!("{points} エポックを {time} で計算"),
    sweep_busy: " · 計算中…",
    sweep_error: "一括計算エンジンでエラーが発生しました",
    sweep_legend_line: "スイープ(f32)",
    sweep_marker: "現在の kappa(固定小数点)",
    stress_title: "128 サブネットを 1 フレームで?",
    stress_toggle: "kappa を変えるたびに実行",
    stress_help: "256 UID の合成サブネット 128 個を、上のエンジンでスライダーの kappa により\
                  一括計算します。60 Hz の 1 フレームは 16 ms です。",
    stress_fits: "16 ms のフレームに収まる",
    stress_over: "16 ms のフレームを超える",
    stress_detail: |subnets, kappa| format!("{subnets} サブネット × 256 UID、kappa {kappa}/65535"),
};

#[cfg(test)]
mod tests;
