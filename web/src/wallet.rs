//! Browser extensions that hold the user's keys (polkadot{.js}, Talisman, SubWallet), through
//! the `window.injectedWeb3` interface they all inject: list them, enable one for this origin,
//! read its accounts, and ask it to sign a payload. The page never sees a key: it hands over
//! the [`ExtensionPayload`] built from what the review shows and gets a signature back.
//!
//! Every answer from an extension is untrusted input: an account that is not SS58, a signature
//! that is not 64 bytes of sr25519, or a promise that never settles is an error in words, and
//! nothing is sent.

use chain::staking::ExtensionPayload;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Why an extension could not do what was asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// No extension injected itself into the page.
    #[error("no wallet extension found: install polkadot{{.js}}, Talisman or SubWallet and reload")]
    None,
    /// The extension named is not (or no longer) in the page.
    #[error("the extension “{0}” is not in the page any more")]
    Gone(String),
    /// The user (or the extension) said no.
    #[error("{0} refused: {1}")]
    Refused(String, String),
    /// The extension answered something that is not what the interface promises.
    #[error("{0} answered something unexpected: {1}")]
    Garbled(String, String),
}

/// An enabled extension.
#[derive(Clone, Debug)]
pub struct Wallet {
    /// Its key in `injectedWeb3`.
    pub name: String,
    injected: JsValue,
}

/// One account an extension offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletAccount {
    /// The account id.
    pub account: [u8; 32],
    /// The name the user gave it, if any.
    pub name: Option<String>,
}

fn injected_web3() -> Option<JsValue> {
    let window = web_sys::window()?;
    js_sys::Reflect::get(&window, &JsValue::from_str("injectedWeb3"))
        .ok()
        .filter(|v| v.is_object())
}

fn get(target: &JsValue, field: &str) -> JsValue {
    js_sys::Reflect::get(target, &JsValue::from_str(field)).unwrap_or(JsValue::UNDEFINED)
}

fn message_of(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "no reason given".into())
}

/// Calls `target.method(args…)` and awaits the promise it returns.
async fn call(
    wallet: &str,
    target: &JsValue,
    method: &str,
    args: &[JsValue],
) -> Result<JsValue, WalletError> {
    let function = get(target, method)
        .dyn_into::<js_sys::Function>()
        .map_err(|_| WalletError::Garbled(wallet.into(), format!("no {method}()")))?;
    let array: js_sys::Array = args.iter().collect();
    let returned = function
        .apply(target, &array)
        .map_err(|e| WalletError::Refused(wallet.into(), message_of(&e)))?;
    let promise = js_sys::Promise::resolve(&returned);
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|e| WalletError::Refused(wallet.into(), message_of(&e)))
}

/// The extensions present, by their `injectedWeb3` key, sorted.
pub fn extensions() -> Vec<String> {
    let Some(injected) = injected_web3() else {
        return Vec::new();
    };
    let mut names: Vec<String> = js_sys::Object::keys(injected.unchecked_ref::<js_sys::Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    names.sort();
    names
}

/// Asks extension `name` to let this page in (`enable("taoscope")`); the extension shows its
/// own prompt the first time.
///
/// # Errors
///
/// [`WalletError::None`] / [`WalletError::Gone`] when it is missing, [`WalletError::Refused`]
/// when the user declines.
pub async fn enable(name: &str) -> Result<Wallet, WalletError> {
    let injected = injected_web3().ok_or(WalletError::None)?;
    let entry = get(&injected, name);
    if !entry.is_object() {
        return Err(WalletError::Gone(name.into()));
    }
    let enabled = call(name, &entry, "enable", &[JsValue::from_str("taoscope")]).await?;
    if !enabled.is_object() {
        return Err(WalletError::Garbled(
            name.into(),
            "enable() gave no object".into(),
        ));
    }
    Ok(Wallet {
        name: name.into(),
        injected: enabled,
    })
}

impl Wallet {
    /// The accounts the extension shares with this page (SS58 any prefix; the account id is
    /// what counts). Accounts that are not 32-byte ids (Ethereum-style) are left out.
    ///
    /// # Errors
    ///
    /// [`WalletError`] when the extension refuses or answers garbage.
    pub async fn accounts(&self) -> Result<Vec<WalletAccount>, WalletError> {
        let accounts = get(&self.injected, "accounts");
        let list = call(&self.name, &accounts, "get", &[]).await?;
        let list = list.dyn_into::<js_sys::Array>().map_err(|_| {
            WalletError::Garbled(self.name.clone(), "accounts.get() is no list".into())
        })?;
        let mut out = Vec::new();
        for entry in list.iter() {
            let Some(address) = get(&entry, "address").as_string() else {
                continue;
            };
            let Ok(account) = chain::ss58::decode(&address) else {
                continue;
            };
            out.push(WalletAccount {
                account,
                name: get(&entry, "name").as_string().filter(|n| !n.is_empty()),
            });
        }
        Ok(out)
    }

    /// Asks the extension to sign `payload` (`signer.signPayload`); returns the sr25519
    /// signature.
    ///
    /// # Errors
    ///
    /// [`WalletError::Refused`] when the user cancels; [`WalletError::Garbled`] for a signature
    /// of another scheme or length.
    pub async fn sign(&self, payload: &ExtensionPayload) -> Result<[u8; 64], WalletError> {
        let garbled = |what: &str| WalletError::Garbled(self.name.clone(), what.into());
        let json = serde_json::to_string(payload).map_err(|e| garbled(&e.to_string()))?;
        let request = js_sys::JSON::parse(&json).map_err(|_| garbled("payload"))?;
        let signer = get(&self.injected, "signer");
        let result = call(&self.name, &signer, "signPayload", &[request]).await?;
        let signature = get(&result, "signature")
            .as_string()
            .and_then(|s| chain::hexser::parse(&s).ok())
            .ok_or_else(|| garbled("no hex signature"))?;
        // The bare 64 bytes, or a `MultiSignature` (1 = sr25519; 0 = ed25519 and 2 = ECDSA
        // are other schemes this page does not build extrinsics for).
        let bare = match signature.as_slice() {
            bytes if bytes.len() == 64 => bytes,
            [1, rest @ ..] if rest.len() == 64 => rest,
            [0 | 2, ..] => {
                return Err(garbled(
                    "an ed25519 or ECDSA signature: use an sr25519 account",
                ));
            }
            _ => return Err(garbled("a signature that is not 64 bytes")),
        };
        let mut out = [0u8; 64];
        out.copy_from_slice(bare);
        Ok(out)
    }
}
