"""Just enough PromQL lexing to list the series names and label names an expression uses."""

import re

FUNCTIONS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
    "count_values", "group", "rate", "irate", "increase", "delta", "idelta", "deriv",
    "histogram_quantile", "absent", "absent_over_time", "vector", "scalar", "clamp_min",
    "clamp_max", "label_replace", "label_join", "avg_over_time", "max_over_time", "min_over_time",
    "sum_over_time", "time", "abs", "ceil", "floor", "round", "sort", "sort_desc", "changes",
    "resets", "predict_linear", "label_values",
}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
            "bool", "offset", "inf", "nan"}

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_MATCHERS = re.compile(r"\{([^}]*)\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(by|without|on|ignoring)\s*\(([^)]*)\)")
_IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def grouping_labels(expr: str) -> set[str]:
    """Labels named in by/without/on/ignoring clauses."""
    return {label.strip() for _, inner in _GROUPING.findall(expr) for label in inner.split(",") if label.strip()}


def matcher_labels(expr: str) -> set[str]:
    """Labels named in {label="value"} selectors."""
    out = set()
    for inner in _MATCHERS.findall(_STRING.sub('""', expr)):
        out |= {m.group(0) for m in re.finditer(r"[a-zA-Z_][a-zA-Z0-9_]*(?=\s*(=~|!~|!=|=))", inner)}
    return out


def series_names(expr: str) -> set[str]:
    """Metric (series) names the expression selects."""
    text = _STRING.sub('""', expr)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for m in _IDENT.finditer(text):
        word = m.group(0)
        if word.lower() in KEYWORDS or word in FUNCTIONS:
            continue
        if word.startswith("$"):
            continue
        names.add(word)
    return names
