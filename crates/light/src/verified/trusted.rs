//! Trusted RPC: the same JSON-RPC methods as the verified client, with nothing checked. For a
//! user who runs their own node or chooses to believe an endpoint; chosen explicitly, never as
//! a fallback, and every figure read through it carries [`Provenance::TrustedRpc`].

use chain::{BlockRef, Provenance, Source, SourceError};
use serde_json::{Value, json};

use super::wire::{self, WireError};
use super::{RpcError, Transport};

/// A `chain::Source` that believes `transport`'s endpoint.
pub struct TrustedRpc<T> {
    transport: T,
}

impl<T: Transport> TrustedRpc<T> {
    /// Reads through `transport`.
    pub fn new(transport: T) -> Self {
        TrustedRpc { transport }
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    fn wire(&self, source: WireError) -> SourceError {
        RpcError::Wire {
            endpoint: self.transport.endpoint(),
            source,
        }
        .into()
    }

    async fn request(&self, method: &str, params: Value) -> Result<Value, SourceError> {
        self.transport
            .request(method, params)
            .await
            .map_err(|e| RpcError::from(e).into())
    }

    /// Values at `keys` (`state_queryStorageAt`, which answers only the keys that hold one).
    async fn values(
        &self,
        at: &BlockRef,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, SourceError> {
        const M: &str = "state_queryStorageAt";
        let mut out = Vec::with_capacity(keys.len());
        for batch in keys.chunks(1000) {
            let hex_keys: Vec<String> = batch.iter().map(|k| wire::to_hex(k)).collect();
            let answer = self
                .request(M, json!([hex_keys, wire::to_hex(&at.hash)]))
                .await?;
            let mut found = std::collections::HashMap::new();
            let changes = answer
                .get(0)
                .and_then(|set| set.get("changes"))
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    self.wire(WireError {
                        method: M,
                        what: "no `[0].changes` list".into(),
                    })
                })?;
            for change in changes {
                let (Some(key), Some(value)) = (change.get(0), change.get(1)) else {
                    return Err(self.wire(WireError {
                        method: M,
                        what: "a change is not [key, value]".into(),
                    }));
                };
                let key = wire::hex_bytes(M, "key", key).map_err(|e| self.wire(e))?;
                let value = if value.is_null() {
                    None
                } else {
                    Some(wire::hex_bytes(M, "value", value).map_err(|e| self.wire(e))?)
                };
                found.insert(key, value);
            }
            out.extend(batch.iter().map(|k| found.remove(k).flatten()));
        }
        Ok(out)
    }
}

impl<T: Transport> Source for TrustedRpc<T> {
    fn provenance(&self) -> Provenance {
        Provenance::TrustedRpc
    }

    async fn finalized(&self) -> Result<BlockRef, SourceError> {
        const M: &str = "chain_getFinalizedHead";
        let hash = wire::hash(M, "result", &self.request(M, json!([])).await?)
            .map_err(|e| self.wire(e))?;
        let header = self
            .request("chain_getHeader", json!([wire::to_hex(&hash)]))
            .await?;
        let scale = wire::header_scale("chain_getHeader", &header).map_err(|e| self.wire(e))?;
        let number = crate::finality::decode_header(&scale)
            .map_err(|e| SourceError::BadAnswer(e.to_string()))?
            .0
            .number;
        Ok(BlockRef { number, hash })
    }

    async fn block(&self, number: u64) -> Result<BlockRef, SourceError> {
        const M: &str = "chain_getBlockHash";
        let answer = self.request(M, json!([number])).await?;
        if answer.is_null() {
            return Err(SourceError::BlockUnavailable {
                number,
                reason: format!("{} has no such block", self.transport.endpoint()),
            });
        }
        let hash = wire::hash(M, "result", &answer).map_err(|e| self.wire(e))?;
        Ok(BlockRef { number, hash })
    }

    async fn storage(
        &self,
        at: &BlockRef,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, SourceError> {
        self.values(at, keys).await
    }

    async fn storage_prefix(
        &self,
        at: &BlockRef,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, SourceError> {
        let mut keys: Vec<Vec<u8>> = Vec::new();
        loop {
            let start = keys.last().map_or(Value::Null, |k| json!(wire::to_hex(k)));
            let answer = self
                .request(
                    "state_getKeysPaged",
                    json!([wire::to_hex(prefix), 1000, start, wire::to_hex(&at.hash)]),
                )
                .await?;
            let page = wire::keys(&answer).map_err(|e| self.wire(e))?;
            let full = page.len() >= 1000;
            keys.extend(page);
            if !full {
                break;
            }
        }
        let values = self.values(at, &keys).await?;
        Ok(keys
            .into_iter()
            .zip(values)
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect())
    }

    async fn call(
        &self,
        at: &BlockRef,
        function: &str,
        params: &[u8],
    ) -> Result<Vec<u8>, SourceError> {
        const M: &str = "state_call";
        let answer = self
            .request(
                M,
                json!([function, wire::to_hex(params), wire::to_hex(&at.hash)]),
            )
            .await?;
        wire::hex_bytes(M, "result", &answer).map_err(|e| self.wire(e))
    }
}
