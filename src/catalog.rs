//! API prices from a LiteLLM-format catalog.
//!
//! The catalog is a JSON object from model key to an object holding, among
//! many other fields, `input_cost_per_token` and `output_cost_per_token` (USD
//! per token), `cache_read_input_token_cost` (the price of an input token read
//! from the provider's prompt cache, where it has one) and `litellm_provider`
//! (who sells it). Unknown fields are ignored, so any catalog version reads;
//! the `sample_spec` entry (a documentation record) is skipped. A key that is
//! not in the catalog is an error that lists the nearest keys.

use serde::Deserialize;
use serde_json::Value;

/// The subset of the LiteLLM catalog shipped with capsim
/// (`data/litellm_prices_subset.json`, MIT, Berri AI).
pub const BUILTIN: &str = include_str!("../data/litellm_prices_subset.json");

/// Prices of one API model, USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ApiPrice {
    /// USD per million input (prompt) tokens.
    pub input_usd_per_mtok: f64,
    /// USD per million output (generated) tokens.
    pub output_usd_per_mtok: f64,
    /// USD per million input tokens read from the provider's prompt cache
    /// (`cache_read_input_token_cost`), where the catalog has it.
    pub cached_input_usd_per_mtok: Option<f64>,
}

impl ApiPrice {
    /// Whether input tokens read from the cache cost less than other input
    /// tokens: false without a cached price, and false when the catalog's
    /// cached price equals the input price (Databricks' entries do that).
    pub fn discounts_cache(&self) -> bool {
        self.cached_input_usd_per_mtok
            .is_some_and(|c| c < self.input_usd_per_mtok)
    }
}

/// One priced entry of a catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogEntry {
    /// The key, as `[api] model` names it.
    pub key: String,
    /// Who sells it: the entry's `litellm_provider`, else the key's prefix
    /// before its first `/`, else empty.
    pub provider: String,
    /// Its prices.
    pub price: ApiPrice,
}

#[derive(Deserialize)]
struct Entry {
    input_cost_per_token: Option<f64>,
    output_cost_per_token: Option<f64>,
    cache_read_input_token_cost: Option<f64>,
}

/// Every priced entry of catalog `text` whose key contains `filter`
/// (case-insensitive), in key order. Entries without an output price
/// (embeddings, images) are left out.
pub fn entries(text: &str, filter: &str) -> Result<Vec<CatalogEntry>, CatalogError> {
    let all: serde_json::Map<String, Value> = serde_json::from_str(text)
        .map_err(|e| CatalogError(format!("not a LiteLLM price catalog: {e}")))?;
    let lower = filter.to_lowercase();
    let mut out: Vec<CatalogEntry> = all
        .iter()
        .filter(|(k, _)| *k != "sample_spec" && k.to_lowercase().contains(&lower))
        .filter_map(|(k, v)| {
            // Entries without an output price (embeddings, images) are not
            // chat models; a price that is there but wrong is an error.
            let price = match price_of(k, v) {
                Ok(p) => p,
                Err(e) if e.ends_with("has no output_cost_per_token") => return None,
                Err(e) => return Some(Err(CatalogError(e))),
            };
            let provider = match v.get("litellm_provider").and_then(Value::as_str) {
                Some(p) => p.to_owned(),
                None => k.split_once('/').map_or("", |(p, _)| p).to_owned(),
            };
            Some(Ok(CatalogEntry {
                key: k.clone(),
                provider,
                price,
            }))
        })
        .collect::<Result<_, _>>()?;
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// Look `key` up in catalog `text`. Errors say what is wrong with the catalog
/// or the key, and list near matches for an unknown key.
pub fn lookup(text: &str, key: &str) -> Result<ApiPrice, CatalogError> {
    lookup_text(text, key).map_err(CatalogError)
}

/// Why a catalog or a key in it cannot give a price.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct CatalogError(String);

fn lookup_text(text: &str, key: &str) -> Result<ApiPrice, String> {
    let all: serde_json::Map<String, Value> =
        serde_json::from_str(text).map_err(|e| format!("not a LiteLLM price catalog: {e}"))?;
    let Some(v) = all.get(key) else {
        let near = near_matches(all.keys().map(String::as_str), key, 5);
        return Err(if near.is_empty() {
            format!("no model `{key}` in the catalog")
        } else {
            format!(
                "no model `{key}` in the catalog; nearest: {}",
                near.join(", ")
            )
        });
    };
    price_of(key, v)
}

/// The prices of entry `key`, checked.
fn price_of(key: &str, v: &Value) -> Result<ApiPrice, String> {
    let e: Entry =
        serde_json::from_value(v.clone()).map_err(|e| format!("catalog entry `{key}`: {e}"))?;
    let out = e
        .output_cost_per_token
        .ok_or_else(|| format!("catalog entry `{key}` has no output_cost_per_token"))?;
    let inp = e.input_cost_per_token.unwrap_or(0.0);
    let cached = e.cache_read_input_token_cost;
    for (name, x) in [
        ("output_cost_per_token", out),
        ("input_cost_per_token", inp),
        ("cache_read_input_token_cost", cached.unwrap_or(0.0)),
    ] {
        // USD per token: more than $1 a token ($1 M per million) is a mistake.
        if !(x.is_finite() && (0.0..=1.0).contains(&x)) {
            return Err(format!(
                "catalog entry `{key}`: {name} = {} is not a price between 0 and 1 USD per token",
                crate::dist::num(x)
            ));
        }
    }
    if let Some(c) = cached.filter(|&c| c > inp) {
        return Err(format!(
            "catalog entry `{key}`: cache_read_input_token_cost = {} is above input_cost_per_token = {} (a cached token cannot cost more than an uncached one)",
            crate::dist::num(c),
            crate::dist::num(inp)
        ));
    }
    Ok(ApiPrice {
        input_usd_per_mtok: inp * 1e6,
        output_usd_per_mtok: out * 1e6,
        cached_input_usd_per_mtok: cached.map(|c| c * 1e6),
    })
}

/// Up to `n` keys closest to `key`: keys containing it (case-insensitive)
/// first, then by Jaro–Winkler similarity.
pub fn near_matches<'a>(keys: impl Iterator<Item = &'a str>, key: &str, n: usize) -> Vec<String> {
    let lower = key.to_lowercase();
    let mut scored: Vec<(f64, &str)> = keys
        .filter(|k| *k != "sample_spec")
        .map(|k| {
            let kl = k.to_lowercase();
            let bonus = if kl.contains(&lower) || lower.contains(&kl) {
                1.0
            } else {
                0.0
            };
            (bonus + strsim::jaro_winkler(&kl, &lower), k)
        })
        .filter(|(s, _)| *s > 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(n)
        .map(|(_, k)| k.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_prices_are_per_million() {
        let p = lookup(BUILTIN, "gpt-4o").unwrap();
        assert!((p.output_usd_per_mtok - 10.0).abs() < 1e-9);
        assert!((p.input_usd_per_mtok - 2.5).abs() < 1e-9);
        let p = lookup(BUILTIN, "deepinfra/meta-llama/Llama-3.3-70B-Instruct").unwrap();
        assert!((p.output_usd_per_mtok - 0.40).abs() < 1e-9);
    }

    /// The open models people self-host are in the built-in subset at the
    /// catalog's prices (litellm 2026-11-20), with and without a cached price.
    #[test]
    fn builtin_has_open_models_with_their_cached_prices() {
        let p = lookup(BUILTIN, "deepinfra/openai/gpt-oss-120b").unwrap();
        assert!((p.input_usd_per_mtok - 0.037).abs() < 1e-9, "{p:?}");
        assert!((p.output_usd_per_mtok - 0.17).abs() < 1e-9, "{p:?}");
        assert_eq!(p.cached_input_usd_per_mtok, None);
        assert!(!p.discounts_cache());
        let p = lookup(BUILTIN, "deepseek/deepseek-chat").unwrap();
        assert!((p.input_usd_per_mtok - 0.28).abs() < 1e-9, "{p:?}");
        assert!((p.output_usd_per_mtok - 0.42).abs() < 1e-9, "{p:?}");
        let cached = p.cached_input_usd_per_mtok.unwrap();
        assert!((cached - 0.028).abs() < 1e-9, "{p:?}");
        assert!(p.discounts_cache());
        // Databricks lists a cached price equal to the input price: no discount.
        let p = lookup(BUILTIN, "databricks/databricks-gpt-oss-120b").unwrap();
        assert_eq!(p.cached_input_usd_per_mtok, Some(p.input_usd_per_mtok));
        assert!(!p.discounts_cache());
        for key in [
            "groq/openai/gpt-oss-20b",
            "deepinfra/deepseek-ai/DeepSeek-R1-0528",
            "together_ai/deepseek-ai/DeepSeek-V3.1",
            "deepinfra/Qwen/Qwen3-235B-A22B",
            "fireworks_ai/accounts/fireworks/models/qwen3-30b-a3b",
            "deepinfra/Qwen/Qwen3-Coder-480B-A35B-Instruct",
            "deepinfra/meta-llama/Llama-4-Scout-17B-16E-Instruct",
            "meta.llama4-maverick-17b-instruct-v1:0",
            "deepseek-reasoner",
        ] {
            assert!(lookup(BUILTIN, key).is_ok(), "{key}");
        }
    }

    /// `entries` matches the key case-insensitively and names the provider:
    /// `litellm_provider`, else the key's prefix.
    #[test]
    fn entries_match_any_case_and_name_the_provider() {
        let rows = entries(BUILTIN, "GPT-OSS-120B").unwrap();
        let providers: Vec<&str> = rows.iter().map(|e| e.provider.as_str()).collect();
        for p in [
            "deepinfra",
            "groq",
            "fireworks_ai",
            "together_ai",
            "databricks",
        ] {
            assert!(providers.contains(&p), "{p} in {providers:?}");
        }
        assert!(
            rows.iter()
                .all(|e| e.key.to_lowercase().contains("gpt-oss-120b"))
        );
        let text = r#"{"a/m": {"output_cost_per_token": 1e-6},
                       "m": {"output_cost_per_token": 1e-6},
                       "b/m": {"output_cost_per_token": 1e-6, "litellm_provider": "bee"}}"#;
        let rows = entries(text, "M").unwrap();
        let got: Vec<(&str, &str)> = rows
            .iter()
            .map(|e| (e.key.as_str(), e.provider.as_str()))
            .collect();
        assert_eq!(got, [("a/m", "a"), ("b/m", "bee"), ("m", "")]);
    }

    #[test]
    fn unknown_key_lists_near_matches_and_bad_catalogs_are_named() {
        let e = lookup(BUILTIN, "gpt4o").unwrap_err().to_string();
        assert!(e.contains("nearest: gpt-4o"), "{e}");
        let e = lookup("[1, 2]", "gpt-4o").unwrap_err().to_string();
        assert!(e.contains("not a LiteLLM price catalog"), "{e}");
        let e = lookup(r#"{"m": {"output_cost_per_token": -1}}"#, "m")
            .unwrap_err()
            .to_string();
        assert!(e.contains("output_cost_per_token"), "{e}");
        let e = lookup(r#"{"m": {"output_cost_per_token": "cheap"}}"#, "m")
            .unwrap_err()
            .to_string();
        assert!(e.contains("catalog entry `m`"), "{e}");
        // Unknown fields are ignored.
        let p = lookup(
            r#"{"m": {"output_cost_per_token": 2e-6, "new_field": [1]}}"#,
            "m",
        )
        .unwrap();
        assert!((p.output_usd_per_mtok - 2.0).abs() < 1e-9);
    }
}
