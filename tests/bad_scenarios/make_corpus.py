"""Regenerate this corpus of invalid scenarios from scenarios/seed.toml: each
case is the seed with one mistake (the first line says which). Expected errors
are the .err files beside them; regenerate those with
`CAPSIM_BLESS=1 cargo test --test bad_inputs` and review the diff."""
import pathlib
here = pathlib.Path(__file__).resolve().parent
base = (here.parents[1] / "scenarios" / "seed.toml").read_text()
out = here
def sub(old, new, text=None):
    t = base if text is None else text
    assert old in t, old
    return t.replace(old, new, 1)
cases = {}
def case(name, text, why):
    cases[name] = (text, why)

case("nan_throughput", sub("tok_s_per_gpu = 850 ", "tok_s_per_gpu = nan "), "NaN value")
case("inf_api_price", sub("output_usd_per_mtok = 10.0", "output_usd_per_mtok = inf"), "infinite price")
case("neg_inf_overhead", sub("percent_of_gpu = 0.30", "percent_of_gpu = -inf"), "negative infinity")
case("nan_in_distribution", sub("utilization = { low = 0.10, likely = 0.30, high = 0.50 }", "utilization = { low = 0.10, likely = nan, high = 0.50 }"), "NaN inside a distribution")
case("absurd_monthly_tokens", sub("utilization = { low = 0.10, likely = 0.30, high = 0.50 }\nutilization_basis_replicas = 1", "monthly_tokens = 1e300"), "1e300 tokens")
case("absurd_throughput", sub("tok_s_per_gpu = 850 ", "tok_s_per_gpu = 1e12 "), "1e12 tok/s per GPU")
case("absurd_trials", sub("trials = 1000", "trials = 1000000000000"), "10^12 trials")
case("absurd_price", sub("reserved = 1.60", "reserved = 1e200"), "GPU price 1e200")
case("zero_horizon", sub("horizon_hours = 8760", "horizon_hours = 0"), "horizon of zero hours")
case("negative_horizon", sub("horizon_hours = 8760", "horizon_hours = -24"), "negative horizon")
case("huge_horizon", sub("horizon_hours = 8760", "horizon_hours = 100000000"), "horizon of 11,000 years")
case("float_horizon", sub("horizon_hours = 8760", "horizon_hours = 8760.5"), "fractional hours")
case("zero_trials", sub("trials = 1000", "trials = 0"), "zero trials")
case("negative_trials", sub("trials = 1000", "trials = -5"), "negative trials")
case("negative_seed", sub("seed = 2027", "seed = -1"), "negative seed")
case("empty_distribution", sub("tok_s_per_gpu = 850 ", "tok_s_per_gpu = {} "), "empty inline table")
case("unknown_distribution", sub("tok_s_per_gpu = 850 ", 'tok_s_per_gpu = { dist = "gamma", shape = 2.0 } '), "unknown distribution")
case("pert_out_of_order", sub("utilization = { low = 0.10, likely = 0.30, high = 0.50 }", "utilization = { low = 0.50, likely = 0.30, high = 0.10 }"), "low > high")
case("uniform_missing_high", sub("tok_s_per_gpu = 850 ", 'tok_s_per_gpu = { dist = "uniform", low = 800 } '), "missing field")
case("normal_negative_sd", sub("tok_s_per_gpu = 850 ", 'tok_s_per_gpu = { dist = "normal", mean = 850, sd = -10 } '), "negative sd")
case("throughput_with_units", sub("tok_s_per_gpu = 850 ", 'tok_s_per_gpu = "850 tok/s" '), "string with units")
case("price_with_dollar_sign", sub("output_usd_per_mtok = 10.0", 'output_usd_per_mtok = "$10"'), "price as a string")
case("utilization_as_percent", sub("utilization = { low = 0.10, likely = 0.30, high = 0.50 }", "utilization = { low = 10, likely = 30, high = 50 }"), "percent, not fraction")
case("ceiling_as_percent", sub("utilization_ceiling = 1.0 ", "utilization_ceiling = 85 "), "percent, not fraction")
case("overhead_as_percent", sub("percent_of_gpu = 0.30", "percent_of_gpu = 30"), "30 means 3000%")
case("duplicate_strategy", sub('name = "on-demand"\n', 'name = "reserved"\n'), "two strategies named reserved")
case("unknown_model_profile", sub('profile = "llama3-70b-fp8-4xh100"', 'profile = "llama3-405b-fp8-8xh100"'), "no such profile")
case("unknown_gpu_price", sub('kind = "reserved"\nreplicas = 1', 'kind = "reserved"\nreplicas = 1\nprice = "reserved_3y"'), "price name not in gpu_prices")
case("unknown_pool_kind", sub('kind = "reserved"', 'kind = "serverless"'), "pool kind")
case("unknown_overflow", sub('overflow = "spill"', 'overflow = "retry"'), "overflow policy")
case("misspelled_field", sub("trials = 1000", "trails = 1000"), "unknown field")
case("misspelled_table", sub("[overhead]", "[overheads]"), "unknown table")
case("no_strategies", base[:base.index("[[strategy]]")], "no strategy")
case("fractional_replicas", sub("kind = \"reserved\"\nreplicas = 1", "kind = \"reserved\"\nreplicas = 1.5"), "half a replica")
case("negative_replicas", sub("kind = \"reserved\"\nreplicas = 1", "kind = \"reserved\"\nreplicas = -2"), "negative replicas")
case("min_above_max", sub("min_replicas = 1\nmax_replicas = 1", "min_replicas = 3\nmax_replicas = 1"), "min > max")
case("toml_syntax_error", sub("[gpu_prices]", "[gpu_prices"), "unclosed table header")
case("empty_file", "", "nothing")
case("invalid_date", sub("start = 2027-01-01", "start = 2027-02-30"), "30 February")
case("date_as_words", sub("start = 2027-01-01", 'start = "next year"'), "not a date")
case("diurnal_wrong_length", sub("[api]", "diurnal = [1.0, 2.0, 3.0]\n\n[api]"), "3 values, not 24")
case("weekly_all_zero", sub("[api]", "weekly = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]\n\n[api]"), "all zero")
case("diurnal_negative", sub("[api]", "diurnal = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]\n\n[api]"), "negative shape value")
case("autocorrelation_above_one", sub("[api]", "noise_autocorrelation = 1.5\n\n[api]"), "AR(1) coefficient 1.5")
case("growth_below_minus_100pct", sub("[api]", "annual_growth = -2.0\n\n[api]"), "-200% growth")
case("negative_burst_size", sub("[api]", "bursts = { per_month = 2, size = -0.5, duration_hours = 3 }\n\n[api]"), "negative burst")
case("negative_failure_rate", sub("[overhead]", "[outages]\ngpu_failures_per_year = -0.1\nrepair_hours = 24\n\n[overhead]"), "negative rate")
case("zero_repair_hours", sub("[overhead]", "[outages]\ngpu_failures_per_year = 0.1\nrepair_hours = 0\n\n[overhead]"), "zero repair time")
case("negative_deployments", sub("[overhead]", "[deployments]\nper_month = -4\nhours = 1\n\n[overhead]"), "negative count")
case("api_without_prices", sub('name = "gpt-4o (output only, as the seed)"\noutput_usd_per_mtok = 10.0\ninput_usd_per_mtok = 0.0', 'name = "mystery API"'), "no prices")
case("unknown_api_model", sub('name = "gpt-4o (output only, as the seed)"\noutput_usd_per_mtok = 10.0\ninput_usd_per_mtok = 0.0', 'model = "gpt-4o-ultra"'), "model not in catalog")
case("zero_gpus_per_replica", sub("utilization_ceiling = 1.0 ", "gpus_per_replica = 0\nutilization_ceiling = 1.0 "), "zero GPUs")
case("zero_month_hours", sub("start = 2027-01-01", "start = 2027-01-01\nmonth_hours = 0"), "zero-hour month")
case("strategy_name_empty", sub('name = "api-only"', 'name = ""'), "empty name")
case("queue_negative_delay", sub('overflow = "spill"', 'overflow = "queue"\nqueue_max_delay_hours = -3'), "negative delay")
case("input_ratio_negative", sub("input_per_output = 0 ", "input_per_output = -1 "), "negative ratio")
case("several_problems", sub("trials = 1000", "trials = 0", sub("reserved = 1.60", "reserved = -1.60", sub('overflow = "spill"', 'overflow = "retry"'))), "three problems at once")

for name, (text, why) in cases.items():
    (out / f"{name}.toml").write_text(f"# Bad input: {why}.\n" + text if text else "")
(out / "non_utf8.toml").write_bytes(b"# Bad input: Latin-1 bytes in a description.\n" + base.replace("calculation: one", "calculation \xe9t\xe9: one").encode("latin-1", errors="replace") if False else b"# Bad input: Latin-1 bytes in a description.\n" + base.encode().replace(b"calculation: one", b"calculation \xe9t\xe9: one"))
print(len(cases) + 1, "files")

# Bad catalogs: each scenario names its catalog file beside it.
cat_dir = here
api_block = 'name = "gpt-4o (output only, as the seed)"\noutput_usd_per_mtok = 10.0\ninput_usd_per_mtok = 0.0'
good_entry = '"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05, "litellm_provider": "openai"'
catalogs = {
    "catalog_not_json": ("this is not JSON {", "a catalog that is not JSON"),
    "catalog_is_array": ('[{"m": {' + good_entry + '}}]', "a JSON array, not an object"),
    "catalog_empty": ("", "an empty catalog file"),
    "catalog_negative_price": ('{"m": {"input_cost_per_token": 1e-06, "output_cost_per_token": -1e-05}}', "negative price"),
    "catalog_string_price": ('{"m": {"input_cost_per_token": "0.000001", "output_cost_per_token": "0.00001"}}', "prices as strings"),
    "catalog_no_output_price": ('{"m": {"input_cost_per_token": 1e-06, "mode": "chat"}}', "no output price"),
    "catalog_absurd_price": ('{"m": {"input_cost_per_token": 1e-06, "output_cost_per_token": 1e300}}', "1e300 USD per token"),
    "catalog_unknown_model": ('{"mm": {' + good_entry + '}, "m-large": {' + good_entry + '}}', "key not in the catalog"),
}
for name, (cat, why) in catalogs.items():
    (cat_dir / f"{name}.json").write_text(cat)
    (cat_dir / f"{name}.toml").write_text(f"# Bad input: {why}.\n" + sub(api_block, f'model = "m"\ncatalog = "{name}.json"'))
(cat_dir / "catalog_missing_file.toml").write_text("# Bad input: the catalog file does not exist.\n" + sub(api_block, 'model = "m"\ncatalog = "no-such-catalog.json"'))
print("catalog cases:", len(catalogs) + 1)
(out / "huge_on_demand_pool.toml").write_text("# Bad input: an on-demand pool of a million replicas.\n" + sub("max_replicas = 1", "max_replicas = 1000000"))
