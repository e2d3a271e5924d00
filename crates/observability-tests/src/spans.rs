//! Received spans in a flat, easily queried form.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use std::collections::BTreeMap;

/// One span as a test needs it: ids in lower-case hex, attributes as text.
#[derive(Debug, Clone)]
pub struct Span {
    /// `service.name` of the resource that exported the span.
    pub service: String,
    pub trace_id: String,
    pub span_id: String,
    /// Empty for a root span.
    pub parent_span_id: String,
    pub name: String,
    pub attributes: BTreeMap<String, String>,
}

fn text(value: Option<&AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => s.clone(),
        Some(Value::IntValue(i)) => i.to_string(),
        Some(Value::DoubleValue(d)) => d.to_string(),
        Some(Value::BoolValue(b)) => b.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

fn attributes(kvs: &[KeyValue]) -> BTreeMap<String, String> {
    kvs.iter()
        .map(|kv| (kv.key.clone(), text(kv.value.as_ref())))
        .collect()
}

impl Span {
    /// Every span of an export request, tagged with its resource's service name.
    pub fn flatten(request: ExportTraceServiceRequest) -> Vec<Span> {
        let mut out = Vec::new();
        for rs in request.resource_spans {
            let resource = rs
                .resource
                .map(|r| attributes(&r.attributes))
                .unwrap_or_default();
            let service = resource.get("service.name").cloned().unwrap_or_default();
            for ss in rs.scope_spans {
                for span in ss.spans {
                    out.push(Span {
                        service: service.clone(),
                        trace_id: hex::encode(&span.trace_id),
                        span_id: hex::encode(&span.span_id),
                        parent_span_id: hex::encode(&span.parent_span_id),
                        name: span.name,
                        attributes: attributes(&span.attributes),
                    });
                }
            }
        }
        out
    }

    /// The span this one is a child of, among `spans`.
    pub fn parent<'a>(&self, spans: &'a [Span]) -> Option<&'a Span> {
        spans
            .iter()
            .find(|s| s.trace_id == self.trace_id && s.span_id == self.parent_span_id)
    }

    /// Whether `ancestor` is this span's parent, grandparent, and so on.
    pub fn descends_from(&self, ancestor: &Span, spans: &[Span]) -> bool {
        let mut current = self.parent(spans);
        // Bounded walk: a malformed export with a parent cycle must not hang the test.
        for _ in 0..spans.len() {
            match current {
                Some(p) if p.span_id == ancestor.span_id && p.trace_id == ancestor.trace_id => {
                    return true
                }
                Some(p) => current = p.parent(spans),
                None => return false,
            }
        }
        false
    }
}

/// The spans of one trace.
pub fn in_trace<'a>(spans: &'a [Span], trace_id: &str) -> Vec<&'a Span> {
    spans.iter().filter(|s| s.trace_id == trace_id).collect()
}
