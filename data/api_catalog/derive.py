#!/usr/bin/env python3
"""Regenerate data/litellm_prices_subset.json from LiteLLM's full catalog.

Usage: python3 data/api_catalog/derive.py FULL_CATALOG.json > data/litellm_prices_subset.json

The subset is `sample_spec`, the keys capsim shipped first (KEEP, in their
order), a few closed frontier models (CLOSED), then every entry of the open
models people also self-host (OPEN) from the providers in PROVIDERS, sorted
by key. Entries are copied as they are in the catalog (MIT, Berri AI; see
data/LICENSE-litellm-MIT.txt). Only chat entries with an input and a
non-zero output price are taken from the patterns; a KEEP or CLOSED key
missing from the catalog is an error. Standard library only; the output
depends on the catalog alone.
"""

import json
import re
import sys

# The first subset (gpt-4o, Llama 3.x 70B and 8B by provider), unchanged.
KEEP = [
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "claude-sonnet-4-5-20250929",
    "deepinfra/meta-llama/Llama-3.3-70B-Instruct",
    "deepinfra/meta-llama/Llama-3.3-70B-Instruct-Turbo",
    "deepinfra/meta-llama/Meta-Llama-3.1-70B-Instruct",
    "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo",
    "together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo",
    "cerebras/llama-3.3-70b",
    "hyperbolic/meta-llama/Llama-3.3-70B-Instruct",
    "azure_ai/Llama-3.3-70B-Instruct",
    "meta.llama3-3-70b-instruct-v1:0",
    "deepinfra/meta-llama/Meta-Llama-3.1-8B-Instruct",
    "together_ai/meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo",
]

# Closed frontier models to compare against: gpt-5 (the usual reference,
# deprecated 2026-12-11 in this catalog) and the newest OpenAI and
# Anthropic flagships without a deprecation date on 2026-11-20.
CLOSED = ["gpt-5", "gpt-6.1-sol", "claude-sonnet-5-5"]

# Open-weight models, matched case-insensitively anywhere in the key.
OPEN = re.compile(
    r"gpt-oss-(120|20)b"  # gpt-oss-120b, gpt-oss-20b
    r"|deepseek[-.]r1"  # DeepSeek R1, R1-0528
    r"|deepseek[-.]v3"  # DeepSeek V3, V3-0324, V3.1 (v3p1), V3.2
    r"|(^|/)deepseek-(chat|reasoner)$"  # DeepSeek's first-party names
    r"|qwen3-235b-a22b"
    r"|qwen3-30b-a3b"
    r"|qwen3-coder-480b-a35b"
    r"|llama-?4-(scout|maverick)",
    re.IGNORECASE,
)
# Other models whose names contain one of the above: fine-tunes and
# distillations into smaller models.
NOT_OPEN = re.compile(r"safeguard|distill|qwen3-8b", re.IGNORECASE)

# LiteLLM's `litellm_provider` values taken (and any vertex_ai-*).
PROVIDERS = {
    "deepseek",
    "deepinfra",
    "together_ai",
    "fireworks_ai",
    "groq",
    "cerebras",
    "azure_ai",
    "databricks",
    "bedrock",
    "bedrock_converse",
    "openrouter",
}
# Bedrock: bare model ids (LiteLLM prices them as us-east-1) and the two
# largest US regions; not the other regions or cross-region profiles.
BEDROCK_REGIONS = ("bedrock/us-east-1/", "bedrock/us-west-2/")
CROSS_REGION = re.compile(r"^(us|eu|apac|us-gov|global|jp|au|ca)\.")


def provider_ok(key, entry):
    p = entry.get("litellm_provider")
    if not isinstance(p, str):
        return False
    if p.startswith("vertex_ai"):
        return True
    if p not in PROVIDERS:
        return False
    if p.startswith("bedrock"):
        if key.startswith("bedrock/"):
            return key.startswith(BEDROCK_REGIONS)
        return "/" not in key and not CROSS_REGION.match(key)
    return True


def priced_chat(entry):
    out = entry.get("output_cost_per_token")
    return (
        entry.get("mode") == "chat"
        and isinstance(entry.get("input_cost_per_token"), (int, float))
        and isinstance(out, (int, float))
        and out > 0
    )


def subset(full):
    out = {"sample_spec": full["sample_spec"]}
    for key in KEEP + CLOSED:
        if key not in full:
            sys.exit(f"derive.py: `{key}` is not in the catalog")
        out[key] = full[key]
    picked = sorted(
        k
        for k, e in full.items()
        if k not in out
        and isinstance(e, dict)
        and OPEN.search(k)
        and not NOT_OPEN.search(k)
        and provider_ok(k, e)
        and priced_chat(e)
    )
    for key in picked:
        out[key] = full[key]
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[2])
    with open(sys.argv[1], encoding="utf-8") as f:
        full = json.load(f)
    sys.stdout.write(json.dumps(subset(full), indent=2))


if __name__ == "__main__":
    main()
