//! The staking panel's text, in English and Japanese: connecting an extension, the form, the
//! review of what will be signed, and what happened after.

/// Every staking string in one language.
pub struct StakeText {
    /// Panel heading.
    pub heading: &'static str,
    /// Under the heading: what the panel does and what it never does.
    pub intro: &'static str,
    /// Button: connect extension (its name follows).
    pub connect: &'static str,
    /// No extension in the page.
    pub no_extension: &'static str,
    /// Connected (extension name follows).
    pub connected: &'static str,
    /// Waiting for the extension to let the page in.
    pub connecting: &'static str,
    /// The extension has no account for this page's address.
    pub not_your_account: &'static str,
    /// Your accounts in the extension.
    pub your_accounts: &'static str,
    /// Staking needs the light client.
    pub needs_light: &'static str,
    /// Field: action.
    pub action: &'static str,
    /// Action: add stake.
    pub add: &'static str,
    /// Action: remove stake.
    pub remove: &'static str,
    /// Action: move stake.
    pub relocate: &'static str,
    /// Action: transfer.
    pub transfer: &'static str,
    /// Field: hotkey.
    pub hotkey: &'static str,
    /// Field: subnet.
    pub netuid: &'static str,
    /// Field: destination hotkey.
    pub to_hotkey: &'static str,
    /// Field: destination subnet.
    pub to_netuid: &'static str,
    /// Field: recipient.
    pub dest: &'static str,
    /// Field: amount (TAO for add and transfer, alpha for the rest).
    pub amount: &'static str,
    /// Field: slippage tolerance.
    pub tolerance: &'static str,
    /// Field: allow partial fill.
    pub partial: &'static str,
    /// Button: review.
    pub review: &'static str,
    /// Reading the chain for the review.
    pub preparing: &'static str,
    /// Review heading.
    pub review_heading: &'static str,
    /// Under the review heading.
    pub review_note: &'static str,
    /// Row: call.
    pub call: &'static str,
    /// Column: argument.
    pub argument: &'static str,
    /// Column: shown.
    pub shown: &'static str,
    /// Column: raw.
    pub raw: &'static str,
    /// Row: nonce.
    pub nonce: &'static str,
    /// Row: tip.
    pub tip: &'static str,
    /// Row: era.
    pub era: &'static str,
    /// Row: runtime.
    pub runtime: &'static str,
    /// Row: genesis.
    pub genesis: &'static str,
    /// Row: metadata hash.
    pub metadata_hash: &'static str,
    /// Metadata hash not checked.
    pub metadata_hash_off: &'static str,
    /// Row: pool price.
    pub price: &'static str,
    /// Row: expected out.
    pub expected: &'static str,
    /// The runtime offers no simulation.
    pub no_simulation: &'static str,
    /// Row: fee estimate.
    pub fee: &'static str,
    /// Row: the payload bytes.
    pub payload: &'static str,
    /// Button: sign (extension name follows).
    pub sign: &'static str,
    /// Button: back to the form.
    pub edit: &'static str,
    /// Waiting for the extension.
    pub signing: &'static str,
    /// Step: validated.
    pub step_validated: &'static str,
    /// Step: broadcast.
    pub step_broadcast: &'static str,
    /// Step: in a block.
    pub step_in_block: &'static str,
    /// Step: taken out of the best chain again.
    pub step_retracted: &'static str,
    /// Step: finalized.
    pub step_finalized: &'static str,
    /// Outcome: success.
    pub succeeded: &'static str,
    /// Outcome: failed on chain.
    pub failed: &'static str,
    /// Outcome: not sent / not included.
    pub not_included: &'static str,
    /// Outcome row: received.
    pub received: &'static str,
    /// Outcome row: fee paid.
    pub fee_paid: &'static str,
    /// Outcome row: events.
    pub events: &'static str,
    /// Outcome row: stake now.
    pub stake_now: &'static str,
    /// Button: new action.
    pub again: &'static str,
    /// The runtime changed between review and signing.
    pub runtime_changed: &'static str,
}

/// English.
pub static STAKE_EN: StakeText = StakeText {
    heading: "Stake",
    intro: "Sign with your browser extension. taoscope never sees a key: it shows the exact transaction, your extension signs it, the light client sends it and follows it to finality.",
    connect: "Connect",
    no_extension: "No wallet extension found. Install polkadot{.js}, Talisman or SubWallet and reload.",
    connected: "Connected:",
    connecting: "Asking the extension…",
    not_your_account: "This extension holds no key for this address. Its accounts:",
    your_accounts: "Your accounts",
    needs_light: "Sending transactions needs the light client as the source (chain page settings).",
    action: "Action",
    add: "Add stake",
    remove: "Remove stake",
    relocate: "Move stake",
    transfer: "Transfer TAO",
    hotkey: "Hotkey",
    netuid: "Subnet",
    to_hotkey: "To hotkey",
    to_netuid: "To subnet",
    dest: "Recipient",
    amount: "Amount",
    tolerance: "Price tolerance (%)",
    partial: "Fill partly if the price moves past the limit",
    review: "Review",
    preparing: "Reading nonce, price and fee at the finalized block…",
    review_heading: "Review: this is what you sign",
    review_note: "Decoded from the very bytes handed to your extension. Compare them with what the extension shows.",
    call: "Call",
    argument: "Argument",
    shown: "Value",
    raw: "Raw",
    nonce: "Nonce",
    tip: "Tip",
    era: "Valid for",
    runtime: "Runtime (spec, transaction version)",
    genesis: "Genesis",
    metadata_hash: "Metadata hash",
    metadata_hash_off: "not checked (mode 0)",
    price: "Pool price now",
    expected: "Expected out",
    no_simulation: "this runtime offers no simulation",
    fee: "Fee estimate",
    payload: "Signed payload",
    sign: "Sign with",
    edit: "Change",
    signing: "Waiting for your extension…",
    step_validated: "validated by the runtime",
    step_broadcast: "sent to peers",
    step_in_block: "in block",
    step_retracted: "taken out of the best chain; waiting",
    step_finalized: "finalized in block",
    succeeded: "Done",
    failed: "Included, but the chain refused it",
    not_included: "Not included",
    received: "Received",
    fee_paid: "Fee paid",
    events: "Events",
    stake_now: "Stake now",
    again: "New action",
    runtime_changed: "The runtime changed since the review: review again before signing.",
};

/// Japanese.
pub static STAKE_JA: StakeText = StakeText {
    heading: "ステーク",
    intro: "ブラウザ拡張機能で署名します。taoscope は鍵に触れません。署名する取引をそのまま表示し、拡張機能が署名し、ライトクライアントが送信してファイナリティまで追跡します。",
    connect: "接続",
    no_extension: "ウォレット拡張機能が見つかりません。polkadot{.js}、Talisman、SubWallet のいずれかを入れて再読み込みしてください。",
    connected: "接続中:",
    connecting: "拡張機能に問い合わせています…",
    not_your_account: "この拡張機能にはこのアドレスの鍵がありません。拡張機能のアカウント:",
    your_accounts: "あなたのアカウント",
    needs_light: "取引の送信にはライトクライアントをソースにする必要があります(チェーンページの設定)。",
    action: "操作",
    add: "ステーク追加",
    remove: "ステーク解除",
    relocate: "ステーク移動",
    transfer: "TAO 送金",
    hotkey: "ホットキー",
    netuid: "サブネット",
    to_hotkey: "移動先ホットキー",
    to_netuid: "移動先サブネット",
    dest: "受取人",
    amount: "数量",
    tolerance: "価格許容幅 (%)",
    partial: "価格が上限を超えたら一部だけ約定する",
    review: "確認",
    preparing: "確定ブロックでノンス・価格・手数料を読んでいます…",
    review_heading: "確認: 署名する内容",
    review_note: "拡張機能に渡すバイト列そのものをデコードしています。拡張機能の表示と見比べてください。",
    call: "呼び出し",
    argument: "引数",
    shown: "値",
    raw: "生の値",
    nonce: "ノンス",
    tip: "チップ",
    era: "有効期間",
    runtime: "ランタイム (spec, transaction version)",
    genesis: "ジェネシス",
    metadata_hash: "メタデータハッシュ",
    metadata_hash_off: "検査なし (mode 0)",
    price: "現在のプール価格",
    expected: "受取見込み",
    no_simulation: "このランタイムはシミュレーションを提供していません",
    fee: "手数料見積もり",
    payload: "署名ペイロード",
    sign: "署名:",
    edit: "変更",
    signing: "拡張機能の応答を待っています…",
    step_validated: "ランタイムが検証",
    step_broadcast: "ピアへ送信",
    step_in_block: "ブロックに取り込み",
    step_retracted: "最良チェーンから外れました。待機中",
    step_finalized: "確定ブロック",
    succeeded: "完了",
    failed: "取り込まれましたがチェーンが拒否しました",
    not_included: "取り込まれませんでした",
    received: "受取",
    fee_paid: "支払手数料",
    events: "イベント",
    stake_now: "現在のステーク",
    again: "新しい操作",
    runtime_changed: "確認後にランタイムが変わりました。署名の前にもう一度確認してください。",
};
