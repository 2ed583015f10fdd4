"""The rule engine: loading YAML rules, scanning logs once, evaluating conditions."""
