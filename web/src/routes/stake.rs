//! The staking panel of `#/account/SS58`: connect a browser extension, fill in a stake move,
//! review the transaction decoded from the exact bytes the extension will sign, sign, and
//! follow it through the light client to a finalized block, then show what it did (events,
//! alpha or TAO received against the limit, fee) and the position read again from verified
//! state.
//!
//! One review signs at most once: the sign button leaves the screen as soon as it is pressed,
//! and a new action starts from a new review (new nonce, new era). Before sending, the runtime
//! is read again: a runtime upgrade between review and signature stops the send.

use chain::Metadata;
use chain::extrinsic::SigningPayload;
use chain::model::{self};
use chain::ss58;
use chain::staking::{
    self, Action, ActionError, AmountError, ExtensionPayload, Limit, Outcome, Quote, Review, Shown,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::dash::{Dash, read_at_finalized, use_dash};
use crate::i18n::use_i18n;
use crate::ui::ErrorBox;
use crate::wallet::{self, Wallet, WalletAccount};

/// Where the chosen extension is remembered.
const WALLET_KEY: &str = "taoscope.wallet";

/// Everything a review showed, kept until it is signed or dropped.
#[derive(Clone, Debug)]
struct Prepared {
    action: Action,
    review: Review,
    quote: Quote,
    payload: SigningPayload,
    request: ExtensionPayload,
    spec_version: u32,
}

/// After the send.
#[derive(Clone, Debug)]
struct Done {
    number: u64,
    outcome: Outcome,
    stake_now: Option<u64>,
}

#[derive(Clone, Debug)]
enum Stage {
    Form,
    Preparing,
    Review(Box<Prepared>),
    Signing(Box<Prepared>),
    Sending(Box<Prepared>),
    Done(Box<Prepared>, Box<Done>),
    Refused(Box<Prepared>, String),
}

fn units(n: u64) -> String {
    staking::format_units(n)
}

/// The form's fields as typed.
#[derive(Clone, Copy)]
struct Form {
    kind: RwSignal<String>,
    hotkey: RwSignal<String>,
    netuid: RwSignal<String>,
    to_hotkey: RwSignal<String>,
    to_netuid: RwSignal<String>,
    dest: RwSignal<String>,
    amount: RwSignal<String>,
    tolerance: RwSignal<String>,
    partial: RwSignal<bool>,
}

impl Form {
    fn new() -> Self {
        Form {
            kind: RwSignal::new("add".into()),
            hotkey: RwSignal::new(String::new()),
            netuid: RwSignal::new(String::new()),
            to_hotkey: RwSignal::new(String::new()),
            to_netuid: RwSignal::new(String::new()),
            dest: RwSignal::new(String::new()),
            amount: RwSignal::new(String::new()),
            tolerance: RwSignal::new("0.5".into()),
            partial: RwSignal::new(false),
        }
    }
}

/// What the form asks for, checked, with the price limit still to be set from the pool's
/// price (`tolerance_bps` away from it).
struct Asked {
    action: Action,
    tolerance_bps: u32,
}

fn field_error(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

fn read_form(form: &Form, free: u64) -> Result<Asked, String> {
    let account =
        |what: &str, text: String| ss58::decode(text.trim()).map_err(|e| field_error(what, e));
    let netuid = |what: &str, text: String| {
        text.trim()
            .parse::<u16>()
            .map_err(|_| format!("{what}: “{text}” is not a subnet id (0–65535)"))
    };
    let amount = |limit: Option<u64>| -> Result<u64, String> {
        let units = staking::parse_amount(&form.amount.get_untracked())
            .map_err(|e: AmountError| field_error("amount", e))?;
        match limit {
            Some(available) => {
                staking::within(units, available).map_err(|e| field_error("amount", e))
            }
            None => Ok(units),
        }
    };
    let tolerance = form.tolerance.get_untracked();
    let tolerance_bps = tolerance
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|t| (0.0..=100.0).contains(t))
        .map(|t| (t * 100.0).round() as u32)
        .ok_or_else(|| {
            format!("price tolerance: “{tolerance}” is not a percentage from 0 to 100")
        })?;
    let limit = Limit {
        price: 0,
        allow_partial: form.partial.get_untracked(),
    };
    let action = match form.kind.get_untracked().as_str() {
        "add" => Action::AddStake {
            hotkey: account("hotkey", form.hotkey.get_untracked())?,
            netuid: netuid("subnet", form.netuid.get_untracked())?,
            tao: amount(Some(free))?,
            limit,
        },
        "remove" => Action::RemoveStake {
            hotkey: account("hotkey", form.hotkey.get_untracked())?,
            netuid: netuid("subnet", form.netuid.get_untracked())?,
            alpha: amount(None)?,
            limit,
        },
        "move" => Action::relocate(
            account("hotkey", form.hotkey.get_untracked())?,
            netuid("subnet", form.netuid.get_untracked())?,
            account("to hotkey", form.to_hotkey.get_untracked())?,
            netuid("to subnet", form.to_netuid.get_untracked())?,
            amount(None)?,
            limit,
        )
        .map_err(|e: ActionError| e.to_string())?,
        _ => Action::Transfer {
            dest: account("recipient", form.dest.get_untracked())?,
            tao: amount(Some(free))?,
        },
    };
    Ok(Asked {
        action,
        tolerance_bps,
    })
}

/// The limit price from the pool's price: above it when buying, below when selling.
fn with_limit(
    mut action: Action,
    price: Option<u64>,
    tolerance_bps: u32,
) -> Result<Action, String> {
    if let Some((limit, buying)) = action.limit_mut() {
        let price = price.ok_or("this runtime gives no pool price, so no limit can be set")?;
        *limit = Limit::from_price(price, tolerance_bps, buying, limit.allow_partial);
    }
    Ok(action)
}

/// Reads what the review needs at the finalized block and builds the payload. The outer error
/// is the chain's (a failed read), the inner one the form's (an amount above the balance).
async fn prepare(dash: Dash, signer: [u8; 32], form: Form) -> Result<Prepared, String> {
    let source = dash.ready_source().await?;
    read_at_finalized(source, dash.cache(), async move |view| {
        let meta = view.metadata();
        let account = staking::read_signer(view, &signer).await?;
        let asked = match read_form(&form, account.free) {
            Ok(a) => a,
            Err(e) => return Ok(Err(e)),
        };
        // One quote serves both the limit and the review: the limit price is a fixed-width
        // argument, so the call signed has the probe's length and weight (the same fee), and
        // the price and simulation do not depend on it.
        let probe = asked.action.encode(meta)?;
        let quote = staking::quote(view, &asked.action, &probe).await?;
        let action = match with_limit(asked.action, quote.price, asked.tolerance_bps) {
            Ok(a) => a,
            Err(e) => return Ok(Err(e)),
        };
        let call = action.encode(meta)?;
        let params = staking::tx_params(view, account.nonce).await?;
        let payload = meta.signing_payload(call.clone(), &params)?;
        let review = Review::of(meta, &payload.bytes())?;
        let request = ExtensionPayload::new(meta, &call, &params, &signer);
        Ok(Ok(Prepared {
            action,
            review,
            quote,
            payload,
            request,
            spec_version: params.spec_version,
        }))
    })
    .await?
}

/// The signed extrinsic, if the runtime is still the one reviewed (`changed` otherwise).
async fn assemble(
    dash: Dash,
    prepared: &Prepared,
    signer: [u8; 32],
    signature: [u8; 64],
    changed: &'static str,
) -> Result<Vec<u8>, String> {
    let source = dash.ready_source().await?;
    let spec_version = prepared.spec_version;
    let payload = prepared.payload.clone();
    read_at_finalized(source, dash.cache(), async move |view| {
        if view.runtime().spec_version != spec_version {
            return Ok(Err(changed.to_owned()));
        }
        let meta: &Metadata = view.metadata();
        Ok(Ok(meta.signed_extrinsic(&payload, &signer, &signature)?))
    })
    .await?
}

/// After finalization: the extrinsic's events and the position it touched, at that block.
async fn conclude(
    dash: Dash,
    prepared: &Prepared,
    signer: [u8; 32],
    number: u64,
    hash: [u8; 32],
    index: u32,
) -> Result<Done, String> {
    let source = dash.ready_source().await?;
    let view = chain::View::open(&*source, chain::BlockRef { number, hash }, &dash.cache())
        .await
        .map_err(|e| e.to_string())?;
    let outcome = staking::outcome(&view, index)
        .await
        .map_err(|e| e.to_string())?;
    let touched = match &prepared.action {
        Action::AddStake { hotkey, netuid, .. } | Action::RemoveStake { hotkey, netuid, .. } => {
            Some((*hotkey, *netuid))
        }
        Action::MoveStake {
            destination_hotkey,
            netuid,
            ..
        } => Some((*destination_hotkey, *netuid)),
        Action::SwapStake {
            hotkey,
            destination_netuid,
            ..
        } => Some((*hotkey, *destination_netuid)),
        Action::Transfer { .. } => None,
    };
    let stake_now = match touched {
        Some((hotkey, netuid)) => {
            let account = model::read_account(&view, signer)
                .await
                .map_err(|e| e.to_string())?;
            Some(account.alpha_on(&hotkey, netuid))
        }
        None => None,
    };
    Ok(Done {
        number,
        outcome,
        stake_now,
    })
}

/// The panel.
#[component]
pub fn StakePanel(coldkey: [u8; 32]) -> impl IntoView {
    let i18n = use_i18n();
    let dash = use_dash();
    let read_again = use_context::<crate::dash::ReadAgain>();
    let names = wallet::extensions();
    let wallet = RwSignal::new_local(None::<Wallet>);
    let accounts = RwSignal::new(Vec::<WalletAccount>::new());
    let problem = RwSignal::new(None::<String>);
    let stage = RwSignal::new(Stage::Form);
    let steps = RwSignal::new(Vec::<String>::new());
    let form = Form::new();

    // While an extension is being asked, its buttons are not offered again.
    let connecting = RwSignal::new(false);
    let connect = move |name: String| {
        connecting.set(true);
        spawn_local(async move {
            problem.set(None);
            match wallet::enable(&name).await {
                Ok(w) => match w.accounts().await {
                    Ok(list) => {
                        crate::i18n::local_set(WALLET_KEY, &name);
                        accounts.set(list);
                        wallet.set(Some(w));
                    }
                    Err(e) => problem.set(Some(e.to_string())),
                },
                Err(e) => problem.set(Some(e.to_string())),
            }
            connecting.set(false);
        });
    };
    // Reconnect the remembered extension (it asks again only if the user revoked the page).
    if let Some(saved) = crate::i18n::local_get(WALLET_KEY)
        && names.contains(&saved)
    {
        connect(saved);
    }

    let review = move |_| {
        stage.set(Stage::Preparing);
        problem.set(None);
        spawn_local(async move {
            match prepare(dash, coldkey, form).await {
                Ok(p) => stage.set(Stage::Review(Box::new(p))),
                Err(e) => {
                    problem.set(Some(e));
                    stage.set(Stage::Form);
                }
            }
        });
    };
    let sign = move |prepared: Box<Prepared>| {
        let Some(w) = wallet.get_untracked() else {
            return;
        };
        stage.set(Stage::Signing(prepared.clone()));
        steps.set(Vec::new());
        spawn_local(async move {
            let refuse = |why: String| stage.set(Stage::Refused(prepared.clone(), why));
            let signature = match w.sign(&prepared.request).await {
                Ok(s) => s,
                Err(e) => return refuse(e.to_string()),
            };
            let extrinsic = match assemble(
                dash,
                &prepared,
                coldkey,
                signature,
                i18n.s().runtime_changed,
            )
            .await
            {
                Ok(x) => x,
                Err(e) => return refuse(e),
            };
            let Some(light) = dash.light() else {
                return refuse(i18n.s().needs_light.into());
            };
            stage.set(Stage::Sending(prepared.clone()));
            let reply = light
                .submit(extrinsic, move |event| {
                    let s = i18n.s();
                    let line = match event["kind"].as_str() {
                        Some("validated") => s.step_validated.to_owned(),
                        Some("broadcast") => {
                            format!(
                                "{} ({})",
                                s.step_broadcast,
                                event["peers"].as_u64().unwrap_or(0)
                            )
                        }
                        Some("in-block") => format!(
                            "{} {}",
                            s.step_in_block,
                            event["block"].as_str().unwrap_or_default()
                        ),
                        Some("retracted") => s.step_retracted.to_owned(),
                        _ => return,
                    };
                    steps.update(|l| l.push(line));
                })
                .await;
            let finalized = match reply {
                Ok(v) => v,
                Err((e, _)) => return refuse(staking::explain_refusal(&e)),
            };
            let number = finalized["number"].as_u64().unwrap_or(0);
            let hash = finalized["block"]
                .as_str()
                .and_then(|h| chain::hexser::parse(h).ok())
                .and_then(|b| <[u8; 32]>::try_from(b).ok());
            let index = finalized["index"]
                .as_u64()
                .and_then(|i| u32::try_from(i).ok());
            let (Some(hash), Some(index)) = (hash, index) else {
                return refuse("the light client's report of the block is malformed".into());
            };
            match conclude(dash, &prepared, coldkey, number, hash, index).await {
                Ok(done) => {
                    stage.set(Stage::Done(prepared, Box::new(done)));
                    if let Some(crate::dash::ReadAgain(n)) = read_again {
                        n.update(|n| *n += 1);
                    }
                }
                Err(e) => refuse(e),
            }
        });
    };

    let connect_view = move || {
        let s = i18n.s();
        if let Some(w) = wallet.get() {
            let mine = accounts.with(|a| a.iter().any(|a| a.account == coldkey));
            let others = accounts.get();
            return view! {
                <p data-wallet-connected=w.name.clone()>{s.connected} " " <strong>{w.name.clone()}</strong></p>
                {(!mine).then(|| view! {
                    <div class="notice" data-not-your-account="">
                        <p>{s.not_your_account}</p>
                        <ul>
                            {others.into_iter().map(|a| {
                                let address = ss58::encode(&a.account);
                                let href = crate::route::Route::Account(address.clone()).href();
                                let code = address.clone();
                                view! { <li><a href=href data-wallet-account=address>{a.name.unwrap_or_default()} " " <code>{code}</code></a></li> }
                            }).collect_view()}
                        </ul>
                    </div>
                })}
            }
            .into_any();
        }
        if names.is_empty() {
            return view! { <p class="muted" data-no-wallet="">{s.no_extension}</p> }.into_any();
        }
        if connecting.get() {
            return view! { <p role="status" data-wallet-connecting="">{s.connecting}</p> }
                .into_any();
        }
        view! {
            <p>
                {names.iter().cloned().map(|name| {
                    let label = format!("{} {name}", s.connect);
                    view! {
                        <button type="button" data-connect=name.clone() on:click=move |_| connect(name.clone())>
                            {label}
                        </button>
                        " "
                    }
                }).collect_view()}
            </p>
        }
        .into_any()
    };
    let can_sign = move || {
        wallet.with(Option::is_some) && accounts.with(|a| a.iter().any(|a| a.account == coldkey))
    };
    view! {
        <section class="stake-panel" data-stake-panel="">
            <h2>{move || i18n.s().heading}</h2>
            <p class="muted">{move || i18n.s().intro}</p>
            {connect_view}
            {move || problem.get().map(|p| view! { <div data-stake-error=""><ErrorBox message=p /></div> })}
            {move || can_sign().then(|| match stage.get() {
                Stage::Form => view! { <StakeForm form=form on_review=review /> }.into_any(),
                Stage::Preparing => view! { <p role="status" data-stake-preparing="">{i18n.s().preparing}</p> }.into_any(),
                Stage::Review(p) => {
                    let signer_name = wallet.with(|w| w.as_ref().map(|w| w.name.clone()).unwrap_or_default());
                    let to_sign = p.clone();
                    view! {
                        <ReviewTable prepared=(*p).clone() />
                        <p>
                            <button type="button" data-sign="" on:click=move |_| sign(to_sign.clone())>
                                {format!("{} {signer_name}", i18n.s().sign)}
                            </button>
                            " "
                            <button type="button" data-edit="" on:click=move |_| stage.set(Stage::Form)>{i18n.s().edit}</button>
                        </p>
                    }.into_any()
                }
                Stage::Signing(p) => view! {
                    <ReviewTable prepared=(*p).clone() />
                    <p role="status" data-stake-signing="">{i18n.s().signing}</p>
                }.into_any(),
                Stage::Sending(p) => view! {
                    <ReviewTable prepared=(*p).clone() />
                    <Steps steps=steps />
                }.into_any(),
                Stage::Done(p, done) => view! {
                    <ReviewTable prepared=(*p).clone() />
                    <Steps steps=steps />
                    <OutcomeView prepared=(*p).clone() done=(*done).clone() />
                    <p><button type="button" data-again="" on:click=move |_| stage.set(Stage::Form)>{i18n.s().again}</button></p>
                }.into_any(),
                Stage::Refused(p, why) => view! {
                    <ReviewTable prepared=(*p).clone() />
                    <Steps steps=steps />
                    <div class="outcome failed" data-outcome="refused">
                        <h3>{i18n.s().not_included}</h3>
                        <ErrorBox message=why />
                    </div>
                    <p><button type="button" data-again="" on:click=move |_| stage.set(Stage::Form)>{i18n.s().again}</button></p>
                }.into_any(),
            })}
        </section>
    }
}

#[component]
fn StakeForm(form: Form, on_review: impl Fn(()) + 'static + Copy) -> impl IntoView {
    let i18n = use_i18n();
    let kind = form.kind;
    let is = move |k: &'static str| move || kind.get() == k;
    let field = move |label: fn(&crate::i18n::StakeText) -> &'static str,
                      id: &'static str,
                      value: RwSignal<String>,
                      shown: Box<dyn Fn() -> bool + Send + Sync>| {
        view! {
            <label class="field" hidden=move || !shown()>
                <span>{move || label(i18n.s())}</span>
                <input type="text" data-stake-field=id bind:value=value autocomplete="off" />
            </label>
        }
    };
    let stakes = move || kind.get() != "transfer";
    view! {
        <form class="stake-form" data-stake-form="" on:submit=move |ev| {
            ev.prevent_default();
            on_review(());
        }>
            <label class="field">
                <span>{move || i18n.s().action}</span>
                <select data-stake-field="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="add" selected=is("add")>{move || i18n.s().add}</option>
                    <option value="remove" selected=is("remove")>{move || i18n.s().remove}</option>
                    <option value="move" selected=is("move")>{move || i18n.s().relocate}</option>
                    <option value="transfer" selected=is("transfer")>{move || i18n.s().transfer}</option>
                </select>
            </label>
            {field(|s| s.hotkey, "hotkey", form.hotkey, Box::new(stakes))}
            {field(|s| s.netuid, "netuid", form.netuid, Box::new(stakes))}
            {field(|s| s.to_hotkey, "to-hotkey", form.to_hotkey, Box::new(is("move")))}
            {field(|s| s.to_netuid, "to-netuid", form.to_netuid, Box::new(is("move")))}
            {field(|s| s.dest, "dest", form.dest, Box::new(is("transfer")))}
            {field(|s| s.amount, "amount", form.amount, Box::new(|| true))}
            {field(|s| s.tolerance, "tolerance", form.tolerance, Box::new(stakes))}
            <label class="choice" hidden=move || !stakes()>
                <input type="checkbox" data-stake-field="partial" bind:checked=form.partial />
                {move || i18n.s().partial}
            </label>
            <p><button type="submit" data-review="">{move || i18n.s().review}</button></p>
        </form>
    }
}

fn shown_text(shown: &Shown) -> String {
    match shown {
        Shown::Account(a) => a.clone(),
        Shown::Netuid(n) => n.to_string(),
        Shown::Tao(t) => format!("{t} τ"),
        Shown::Alpha(a) => format!("{a} α"),
        Shown::Price(p) => format!("{p} τ/α"),
        Shown::Ratio(r) => format!("{r} α/α"),
        Shown::Flag(f) => if *f { "yes" } else { "no" }.into(),
        Shown::Other(o) => o.clone(),
    }
}

#[component]
fn ReviewTable(prepared: Prepared) -> impl IntoView {
    let i18n = use_i18n();
    let s = i18n.s();
    let r = prepared.review.clone();
    let q = prepared.quote.clone();
    let out_unit = match prepared.action {
        Action::AddStake { .. } => "α",
        _ => "τ",
    };
    let expected = match (&prepared.action, q.expected_out) {
        (Action::AddStake { .. } | Action::RemoveStake { .. }, Some(n)) => {
            format!("{} {out_unit}", units(n))
        }
        (Action::AddStake { .. } | Action::RemoveStake { .. }, None) => s.no_simulation.into(),
        _ => "—".into(),
    };
    let args = r
        .args
        .iter()
        .map(|a| {
            view! {
                <tr data-arg=a.name.clone()>
                    <th scope="row">{a.name.clone()}</th>
                    <td data-shown="">{shown_text(&a.shown)}</td>
                    <td><code data-raw="">{a.raw.clone()}</code></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="review" data-review-table="">
            <h3>{s.review_heading}</h3>
            <p class="muted">{s.review_note}</p>
            <p data-call=format!("{}.{}", r.pallet, r.call)>{s.call} ": " <code>{format!("{}.{}", r.pallet, r.call)}</code></p>
            <table class="data">
                <thead><tr><th>{s.argument}</th><th>{s.shown}</th><th>{s.raw}</th></tr></thead>
                <tbody>{args}</tbody>
            </table>
            <dl class="facts">
                <div><dt>{s.nonce}</dt><dd data-nonce=r.nonce>{r.nonce}</dd></div>
                <div><dt>{s.tip}</dt><dd>{format!("{} τ", units(r.tip))}</dd></div>
                <div><dt>{s.era}</dt><dd data-era="">{r.era.clone()} " · " <code>{r.era_block_hash.clone()}</code></dd></div>
                <div><dt>{s.runtime}</dt><dd data-spec=r.spec_version>{format!("{}, {}", r.spec_version, r.transaction_version)}</dd></div>
                <div><dt>{s.genesis}</dt><dd><code>{r.genesis_hash.clone()}</code></dd></div>
                <div><dt>{s.metadata_hash}</dt><dd>{r.metadata_hash.clone().unwrap_or_else(|| s.metadata_hash_off.into())}</dd></div>
                <div><dt>{s.price}</dt><dd data-price=q.price>{q.price.map_or("—".into(), |p| format!("{} τ/α", units(p)))}</dd></div>
                <div><dt>{s.expected}</dt><dd data-expected="">{expected}</dd></div>
                <div><dt>{s.fee}</dt><dd>{q.fee.map_or("—".into(), |f| format!("{} τ", units(f)))}</dd></div>
            </dl>
            <details>
                <summary>{s.payload}</summary>
                <code class="payload" data-payload=r.payload_hex.clone()>{r.payload_hex.clone()}</code>
            </details>
        </div>
    }
}

#[component]
fn Steps(steps: RwSignal<Vec<String>>) -> impl IntoView {
    view! {
        <ol class="tx-steps" data-tx-steps="">
            {move || steps.get().into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
        </ol>
    }
}

#[component]
fn OutcomeView(prepared: Prepared, done: Done) -> impl IntoView {
    let i18n = use_i18n();
    let s = i18n.s();
    let o = done.outcome.clone();
    let state = if o.success { "success" } else { "failed" };
    let received = o.swapped.map(|(tao, alpha)| match prepared.action {
        Action::AddStake { .. } => format!("{} α for {} τ", units(alpha), units(tao)),
        _ => format!("{} τ for {} α", units(tao), units(alpha)),
    });
    let against = match (o.swapped, prepared.quote.expected_out, &prepared.action) {
        (Some((_, alpha)), Some(expected), Action::AddStake { .. }) => Some(format!(
            " ({:+.2}% against the simulation)",
            -(staking::shortfall_bps(expected, alpha) as f64) / 100.0
        )),
        (Some((tao, _)), Some(expected), Action::RemoveStake { .. }) => Some(format!(
            " ({:+.2}% against the simulation)",
            -(staking::shortfall_bps(expected, tao) as f64) / 100.0
        )),
        _ => None,
    };
    view! {
        <div class=format!("outcome {state}") data-outcome=state data-block=done.number>
            <h3>{if o.success { s.succeeded } else { s.failed }} " · " {s.step_finalized} " #" {done.number}</h3>
            {o.error.clone().map(|e| view! { <ErrorBox message=e /> })}
            <dl class="facts">
                {received.map(|r| view! { <div><dt>{s.received}</dt><dd data-received="">{r}{against.unwrap_or_default()}</dd></div> })}
                <div><dt>{s.fee_paid}</dt><dd>{o.fee_paid.map_or("—".into(), |f| format!("{} τ", units(f)))}</dd></div>
                {done.stake_now.map(|a| view! { <div><dt>{s.stake_now}</dt><dd data-stake-now=a>{format!("{} α", units(a))}</dd></div> })}
            </dl>
            <details>
                <summary>{s.events}</summary>
                <ul data-events="">
                    {o.events.iter().map(|e| view! { <li><code>{e.name.clone()}</code> " " {e.fields.clone()}</li> }).collect_view()}
                </ul>
            </details>
        </div>
    }
}
