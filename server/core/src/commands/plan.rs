//! From a SendCommand request to what agents run — pure rules, no I/O:
//! - [`RateLimit`]: MaxConcurrency / MaxErrors as numbers or percentages of the
//!   resolved target count, and the dispatcher's arithmetic ([`can_start`]);
//! - [`bind_parameters`]: the request's parameters checked against the document's
//!   definitions (unknown names, missing required ones, type, allowed values and
//!   pattern), defaults filled in;
//! - [`plan_steps`]: the document's steps with every `{{ parameter }}` substituted,
//!   `interpolationType: ENV_VAR` turned into `SSM_<name>` environment variables,
//!   `aws:runDocument` expanded (nested documents resolved by the caller), and steps
//!   whose precondition does not match the node's platform marked skipped.
//!
//! On injection: substituting a String parameter into a shell script runs whatever the
//! value says (`; rm -rf /`). `allowedPattern` narrows values; `interpolationType:
//! ENV_VAR` with `"$SSM_name"` in the script passes them as data instead.

use crate::documents::model::{self, CommandDocument, ParamType, Step};
use crate::error::{ServiceError, ServiceResult};
use bosun_protocol::exec::{
    OnFailure as WireOnFailure, PatchOperation, PatchStep, RebootOption, StepSpec, MAX_STEPS,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// Nested `aws:runDocument` depth Bosun follows.
pub const MAX_NESTING: usize = 3;

fn invalid_parameters(message: String) -> ServiceError {
    ServiceError::validation(message).with_exception("InvalidParameters")
}

/// MaxConcurrency / MaxErrors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimit {
    Count(u64),
    Percent(u8),
}

impl RateLimit {
    /// Parses AWS's forms: a number, or a percentage (`10%`). `allow_zero`: MaxErrors
    /// may be 0, MaxConcurrency may not.
    pub fn parse(s: &str, allow_zero: bool) -> Option<RateLimit> {
        let s = s.trim();
        let (digits, percent) = match s.strip_suffix('%') {
            Some(d) => (d, true),
            None => (s, false),
        };
        if digits.is_empty() || digits.len() > 7 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if digits.len() > 1 && digits.starts_with('0') {
            return None;
        }
        let n: u64 = digits.parse().ok()?;
        if n == 0 && !allow_zero {
            return None;
        }
        if percent {
            (n <= 100).then_some(RateLimit::Percent(n as u8))
        } else {
            Some(RateLimit::Count(n))
        }
    }

    /// The limit for `targets` targets. Percentages round down, but a concurrency is
    /// never below one (`at_least_one`).
    pub fn resolve(self, targets: usize, at_least_one: bool) -> usize {
        let n = match self {
            RateLimit::Count(n) => usize::try_from(n).unwrap_or(usize::MAX),
            RateLimit::Percent(p) => targets * usize::from(p) / 100,
        };
        if at_least_one {
            n.max(1)
        } else {
            n
        }
    }
}

/// How many more invocations may start now (DESIGN-NOTES §3: evaluated each time one
/// finishes): none once errors exceed the threshold; otherwise up to the concurrency.
pub fn can_start(
    running: usize,
    errors: usize,
    max_concurrency: usize,
    max_errors: usize,
    waiting: usize,
) -> usize {
    if errors > max_errors {
        return 0;
    }
    max_concurrency.saturating_sub(running).min(waiting)
}

/// Whether the rollout stopped: the remaining targets end without being sent.
pub fn rollout_stopped(errors: usize, max_errors: usize) -> bool {
    errors > max_errors
}

/// Checks SendCommand's parameters against the document and fills in defaults.
/// Values arrive as AWS sends them: a list of strings per name.
pub fn bind_parameters(
    doc: &CommandDocument,
    given: &BTreeMap<String, Vec<String>>,
) -> ServiceResult<BTreeMap<String, Value>> {
    if let Some(unknown) = given.keys().find(|k| doc.parameter(k).is_none()) {
        return Err(invalid_parameters(format!(
            "The document has no parameter named {unknown}."
        )));
    }
    let mut out = BTreeMap::new();
    for p in &doc.parameters {
        let value = match given.get(&p.name) {
            Some(values) => typed(p.kind, &p.name, values)?,
            None => match &p.default {
                Some(d) => d.clone(),
                None => {
                    return Err(invalid_parameters(format!(
                        "The parameter {} is required (it has no default).",
                        p.name
                    )))
                }
            },
        };
        model::check_value(p, &value)
            .map_err(|m| invalid_parameters(format!("The parameter {} {m}.", p.name)))?;
        out.insert(p.name.clone(), value);
    }
    Ok(out)
}

fn typed(kind: ParamType, name: &str, values: &[String]) -> ServiceResult<Value> {
    let one = || -> ServiceResult<&String> {
        match values {
            [v] => Ok(v),
            _ => Err(invalid_parameters(format!(
                "The parameter {name} takes one value, not {}.",
                values.len()
            ))),
        }
    };
    Ok(match kind {
        ParamType::String => Value::String(one()?.clone()),
        ParamType::StringList => Value::Array(values.iter().cloned().map(Value::String).collect()),
        ParamType::Integer => {
            let v = one()?;
            let n: i64 = v.trim().parse().map_err(|_| {
                invalid_parameters(format!(
                    "The parameter {name} must be a whole number, not {v:?}."
                ))
            })?;
            Value::from(n)
        }
        ParamType::Boolean => match one()?.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            v => {
                return Err(invalid_parameters(format!(
                    "The parameter {name} must be true or false, not {v:?}."
                )))
            }
        },
        ParamType::StringMap | ParamType::MapList => {
            let v = one()?;
            serde_json::from_str(v).map_err(|_| {
                invalid_parameters(format!(
                    "The parameter {name} must be JSON ({}).",
                    kind.as_str()
                ))
            })?
        }
    })
}

/// A parameter value as text (lists joined with newlines, maps as JSON).
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(as_text).collect::<Vec<_>>().join("\n"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Replaces every `{{ name }}` in `text`.
pub fn substitute(text: &str, params: &BTreeMap<String, Value>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        out.push_str(&rest[..start]);
        match params.get(name) {
            Some(v) => out.push_str(&as_text(v)),
            // {{ssm:…}} and unknown references stay as written.
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The lines of `runCommand`: a list element that is exactly one StringList reference
/// expands to that list's items (as SSM does); everything else is substituted text.
fn command_lines(v: &Value, params: &BTreeMap<String, Value>) -> Vec<String> {
    let expand = |s: &str| -> Vec<String> {
        let refs = model::references(s);
        let whole = s.trim().starts_with("{{") && s.trim().ends_with("}}") && refs.len() == 1;
        match (whole, refs.first().and_then(|r| params.get(r))) {
            (true, Some(Value::Array(items))) => items.iter().map(as_text).collect(),
            _ => vec![substitute(s, params)],
        }
    };
    match v {
        Value::String(s) => expand(s),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .flat_map(expand)
            .collect(),
        _ => Vec::new(),
    }
}

/// A step as planned for one node: to run, or skipped (platform precondition).
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedStep {
    pub name: String,
    /// `None`: the step does not apply to this node's platform.
    pub spec: Option<StepSpec>,
}

fn wire_on_failure(o: model::OnFailure) -> WireOnFailure {
    match o {
        model::OnFailure::Continue => WireOnFailure::Continue,
        model::OnFailure::Exit => WireOnFailure::Exit,
        model::OnFailure::SuccessAndExit => WireOnFailure::SuccessAndExit,
    }
}

fn step_timeout(step: &Step, params: &BTreeMap<String, Value>) -> ServiceResult<u64> {
    let Some(t) = step.inputs.get("timeoutSeconds") else {
        return Ok(model::DEFAULT_STEP_TIMEOUT_SECONDS);
    };
    let text = match t {
        Value::String(s) => substitute(s, params),
        other => other.to_string(),
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(model::DEFAULT_STEP_TIMEOUT_SECONDS);
    }
    text.parse::<u64>()
        .ok()
        .filter(|n| (1..=model::MAX_STEP_TIMEOUT_SECONDS).contains(n))
        .ok_or_else(|| {
            invalid_parameters(format!(
                "The step {} timeout {text:?} is not 1–{} seconds.",
                step.name,
                model::MAX_STEP_TIMEOUT_SECONDS
            ))
        })
}

/// Plans the document's steps for a node of `platform` (`Linux`, …). `nested` resolves
/// `aws:runDocument` targets (already loaded by the caller); `depth` counts nesting.
pub fn plan_steps(
    doc: &CommandDocument,
    params: &BTreeMap<String, Value>,
    platform: &str,
    nested: &dyn Fn(&str) -> Option<CommandDocument>,
    depth: usize,
) -> ServiceResult<Vec<PlannedStep>> {
    let mut out = Vec::new();
    for step in &doc.steps {
        let applies = step.platforms.is_empty() || step.platforms.iter().any(|p| p == platform);
        match step.action.as_str() {
            model::RUN_SHELL_SCRIPT => {
                if !applies || !matches!(platform, "Linux" | "MacOS") {
                    out.push(PlannedStep {
                        name: step.name.clone(),
                        spec: None,
                    });
                    continue;
                }
                let lines = command_lines(
                    step.inputs.get("runCommand").unwrap_or(&Value::Null),
                    params,
                );
                let env_var =
                    step.inputs.get("interpolationType").and_then(Value::as_str) == Some("ENV_VAR");
                let env = if env_var {
                    params
                        .iter()
                        .filter(|(_, v)| !v.is_array() && !v.is_object())
                        .map(|(k, v)| (format!("SSM_{k}"), as_text(v)))
                        .collect()
                } else {
                    Vec::new()
                };
                let working_directory = step
                    .inputs
                    .get("workingDirectory")
                    .and_then(Value::as_str)
                    .map(|w| substitute(w, params))
                    .filter(|w| !w.trim().is_empty());
                out.push(PlannedStep {
                    name: step.name.clone(),
                    spec: Some(StepSpec {
                        name: step.name.clone(),
                        plugin: model::RUN_SHELL_SCRIPT.into(),
                        script: lines.join("\n"),
                        working_directory,
                        timeout_seconds: step_timeout(step, params)?,
                        env,
                        on_failure: wire_on_failure(step.on_failure),
                        is_end: step.is_end,
                        patch: None,
                    }),
                });
            }
            model::RUN_PATCH_BASELINE => {
                if !applies || platform != "Linux" {
                    out.push(PlannedStep {
                        name: step.name.clone(),
                        spec: None,
                    });
                    continue;
                }
                let input = |key: &str| {
                    step.inputs
                        .get(key)
                        .and_then(Value::as_str)
                        .map(|v| substitute(v, params).trim().to_string())
                        .unwrap_or_default()
                };
                let operation = match input("Operation").as_str() {
                    "Scan" => PatchOperation::Scan,
                    "Install" => PatchOperation::Install,
                    other => {
                        return Err(invalid_parameters(format!(
                            "Operation is Scan or Install, not {other:?}."
                        )))
                    }
                };
                let reboot_option = match input("RebootOption").as_str() {
                    "" | "RebootIfNeeded" => RebootOption::RebootIfNeeded,
                    "NoReboot" => RebootOption::NoReboot,
                    other => {
                        return Err(invalid_parameters(format!(
                            "RebootOption is RebootIfNeeded or NoReboot, not {other:?}."
                        )))
                    }
                };
                out.push(PlannedStep {
                    name: step.name.clone(),
                    spec: Some(StepSpec {
                        name: step.name.clone(),
                        plugin: model::RUN_PATCH_BASELINE.into(),
                        script: String::new(),
                        working_directory: None,
                        timeout_seconds: step_timeout(step, params)?,
                        env: Vec::new(),
                        on_failure: wire_on_failure(step.on_failure),
                        is_end: step.is_end,
                        patch: Some(PatchStep {
                            operation,
                            reboot_option,
                            snapshot_id: input("SnapshotId"),
                            snapshot: None,
                        }),
                    }),
                });
            }
            _ => {
                // aws:runDocument: the named document's steps, with its own parameters.
                let path = step
                    .inputs
                    .get("documentPath")
                    .and_then(Value::as_str)
                    .map(|p| substitute(p, params))
                    .unwrap_or_default();
                if depth >= MAX_NESTING {
                    return Err(invalid_parameters(format!(
                        "aws:runDocument nests deeper than {MAX_NESTING} documents (at {path})."
                    )));
                }
                let Some(inner) = nested(&path) else {
                    return Err(ServiceError::validation(format!(
                        "The step {} runs the document {path}, which does not exist.",
                        step.name
                    ))
                    .with_exception("InvalidDocument"));
                };
                let given: BTreeMap<String, Vec<String>> =
                    match step.inputs.get("documentParameters") {
                        Some(Value::Object(m)) => m
                            .iter()
                            .map(|(k, v)| {
                                let values = match v {
                                    Value::Array(items) => items
                                        .iter()
                                        .map(|i| substitute(&as_text(i), params))
                                        .collect(),
                                    other => vec![substitute(&as_text(other), params)],
                                };
                                (k.clone(), values)
                            })
                            .collect(),
                        Some(Value::String(s)) => {
                            serde_json::from_str::<BTreeMap<String, Value>>(&substitute(s, params))
                                .map_err(|_| {
                                    invalid_parameters(format!(
                                "The step {} has documentParameters that are not a JSON mapping.",
                                step.name
                            ))
                                })?
                                .into_iter()
                                .map(|(k, v)| (k, vec![as_text(&v)]))
                                .collect()
                        }
                        _ => BTreeMap::new(),
                    };
                let inner_params = bind_parameters(&inner, &given)?;
                for mut s in plan_steps(&inner, &inner_params, platform, nested, depth + 1)? {
                    s.name = format!("{}.{}", step.name, s.name);
                    if let Some(spec) = &mut s.spec {
                        spec.name = s.name.clone();
                    }
                    if !applies {
                        s.spec = None;
                    }
                    out.push(s);
                }
            }
        }
    }
    if out.len() > MAX_STEPS {
        return Err(invalid_parameters(format!(
            "The document expands to {} steps; at most {MAX_STEPS} run in one invocation.",
            out.len()
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> CommandDocument {
        model::validate(&v).expect("valid document")
    }

    fn given(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, vs)| (k.to_string(), vs.iter().map(|v| v.to_string()).collect()))
            .collect()
    }

    fn no_nested(_: &str) -> Option<CommandDocument> {
        None
    }

    #[test]
    fn rate_limits_parse_and_resolve() {
        assert_eq!(RateLimit::parse("50", false), Some(RateLimit::Count(50)));
        assert_eq!(RateLimit::parse("10%", false), Some(RateLimit::Percent(10)));
        assert_eq!(RateLimit::parse("0", false), None);
        assert_eq!(RateLimit::parse("0", true), Some(RateLimit::Count(0)));
        assert_eq!(RateLimit::parse("101%", true), None);
        assert_eq!(RateLimit::parse("05", true), None);
        assert_eq!(RateLimit::parse("x", true), None);
        assert_eq!(RateLimit::Percent(10).resolve(25, true), 2);
        assert_eq!(
            RateLimit::Percent(1).resolve(25, true),
            1,
            "at least one at a time"
        );
        assert_eq!(RateLimit::Percent(10).resolve(5, false), 0);
        assert_eq!(RateLimit::Count(50).resolve(3, true), 50);
    }

    #[test]
    fn the_dispatcher_never_exceeds_concurrency_and_stops_past_max_errors() {
        assert_eq!(can_start(0, 0, 2, 0, 10), 2);
        assert_eq!(can_start(2, 0, 2, 0, 10), 0);
        assert_eq!(can_start(1, 0, 2, 0, 10), 1);
        assert_eq!(can_start(0, 0, 5, 0, 3), 3);
        assert_eq!(
            can_start(0, 1, 5, 1, 3),
            3,
            "errors at the threshold still start"
        );
        assert_eq!(
            can_start(0, 2, 5, 1, 3),
            0,
            "past the threshold nothing starts"
        );
        assert!(rollout_stopped(2, 1));
        assert!(!rollout_stopped(1, 1));
    }

    fn shell_doc() -> CommandDocument {
        doc(json!({
            "schemaVersion": "2.2",
            "parameters": {
                "commands": {"type": "StringList"},
                "who": {"type": "String", "default": "world", "allowedPattern": "^[a-z]+$"},
                "count": {"type": "Integer", "default": 2},
                "timeout": {"type": "String", "default": "30"}
            },
            "mainSteps": [
                {"action": "aws:runShellScript", "name": "plain",
                 "inputs": {"runCommand": ["{{ commands }}", "echo hello {{ who }} x{{count}}"], "timeoutSeconds": "{{ timeout }}"}},
                {"action": "aws:runShellScript", "name": "envvar",
                 "inputs": {"interpolationType": "ENV_VAR", "runCommand": "echo \"$SSM_who\""}},
                {"action": "aws:runShellScript", "name": "mac-only",
                 "precondition": {"StringEquals": ["platformType", "MacOS"]},
                 "inputs": {"runCommand": "sw_vers"}}
            ]
        }))
    }

    #[test]
    fn parameters_are_checked_and_defaults_filled() {
        let d = shell_doc();
        let p = bind_parameters(&d, &given(&[("commands", &["uptime", "df -h"])])).expect("ok");
        assert_eq!(p["who"], json!("world"));
        assert_eq!(p["count"], json!(2));
        let e = bind_parameters(&d, &given(&[])).expect_err("commands is required");
        assert_eq!(e.exception, Some("InvalidParameters"));
        let e = bind_parameters(&d, &given(&[("commands", &["x"]), ("nope", &["1"])]))
            .expect_err("unknown");
        assert!(e.message.contains("nope"));
        let e = bind_parameters(
            &d,
            &given(&[("commands", &["x"]), ("who", &["a; rm -rf /"])]),
        )
        .expect_err("pattern");
        assert!(e.message.contains("allowed pattern"), "{}", e.message);
        let e = bind_parameters(&d, &given(&[("commands", &["x"]), ("count", &["two"])]))
            .expect_err("type");
        assert!(e.message.contains("whole number"));
        let e = bind_parameters(&d, &given(&[("commands", &["x"]), ("who", &["a", "b"])]))
            .expect_err("one value");
        assert!(e.message.contains("one value"));
    }

    #[test]
    fn patch_steps_carry_operation_and_reboot_option_and_no_baseline_yet() {
        let d = crate::documents::builtin::get("AWS-RunPatchBaseline")
            .expect("built in")
            .document
            .clone();
        let p = bind_parameters(&d, &given(&[("Operation", &["Install"])])).expect("ok");
        let steps = plan_steps(&d, &p, "Linux", &no_nested, 0).expect("plan");
        let spec = steps[0].spec.as_ref().expect("runs on Linux");
        assert_eq!(spec.plugin, model::RUN_PATCH_BASELINE);
        assert_eq!(spec.timeout_seconds, 7200);
        let patch = spec.patch.as_ref().expect("patch step");
        assert_eq!(patch.operation, PatchOperation::Install);
        assert_eq!(patch.reboot_option, RebootOption::RebootIfNeeded);
        assert_eq!(
            patch.snapshot, None,
            "the baseline is filled in at delivery"
        );
        let p = bind_parameters(
            &d,
            &given(&[("Operation", &["Scan"]), ("RebootOption", &["NoReboot"])]),
        )
        .expect("ok");
        let steps = plan_steps(&d, &p, "Linux", &no_nested, 0).expect("plan");
        let patch = steps[0]
            .spec
            .as_ref()
            .and_then(|s| s.patch.as_ref())
            .expect("patch");
        assert_eq!(
            (patch.operation, patch.reboot_option),
            (PatchOperation::Scan, RebootOption::NoReboot)
        );
        let on_mac = plan_steps(&d, &p, "MacOS", &no_nested, 0).expect("plan");
        assert!(on_mac[0].spec.is_none());
        let e = bind_parameters(&d, &given(&[("Operation", &["Upgrade"])])).expect_err("enum");
        assert!(e.message.contains("Operation"), "{}", e.message);
    }

    #[test]
    fn steps_are_substituted_env_vars_set_and_platforms_respected() {
        let d = shell_doc();
        let p = bind_parameters(
            &d,
            &given(&[("commands", &["uptime", "df -h"]), ("who", &["ops"])]),
        )
        .expect("ok");
        let steps = plan_steps(&d, &p, "Linux", &no_nested, 0).expect("plan");
        let plain = steps[0].spec.as_ref().expect("runs");
        assert_eq!(plain.script, "uptime\ndf -h\necho hello ops x2");
        assert_eq!(plain.timeout_seconds, 30);
        assert!(plain.env.is_empty());
        let env = steps[1].spec.as_ref().expect("runs");
        assert!(env
            .env
            .contains(&("SSM_who".to_string(), "ops".to_string())));
        assert_eq!(env.script, "echo \"$SSM_who\"");
        assert_eq!(env.timeout_seconds, model::DEFAULT_STEP_TIMEOUT_SECONDS);
        assert!(steps[2].spec.is_none(), "a MacOS step is skipped on Linux");
        let on_mac = plan_steps(&d, &p, "MacOS", &no_nested, 0).expect("plan");
        assert!(on_mac[2].spec.is_some());
        let on_windows = plan_steps(&d, &p, "Windows", &no_nested, 0).expect("plan");
        assert!(
            on_windows.iter().all(|s| s.spec.is_none()),
            "shell scripts do not run on Windows"
        );
    }

    #[test]
    fn run_document_expands_with_its_own_parameters_and_nesting_is_bounded() {
        let inner = doc(json!({
            "schemaVersion": "2.2",
            "parameters": {"msg": {"type": "String"}},
            "mainSteps": [{"action": "aws:runShellScript", "name": "say", "inputs": {"runCommand": "echo {{ msg }}"}}]
        }));
        let outer = doc(json!({
            "schemaVersion": "2.2",
            "parameters": {"greeting": {"type": "String", "default": "hi"}},
            "mainSteps": [{"action": "aws:runDocument", "name": "nested",
                "inputs": {"documentType": "SSMDocument", "documentPath": "Inner", "documentParameters": {"msg": "{{ greeting }} there"}}}]
        }));
        let inner_for = inner.clone();
        let resolve = move |name: &str| (name == "Inner").then(|| inner_for.clone());
        let p = bind_parameters(&outer, &given(&[])).expect("params");
        let steps = plan_steps(&outer, &p, "Linux", &resolve, 0).expect("plan");
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].name, "nested.say");
        assert_eq!(
            steps[0].spec.as_ref().expect("runs").script,
            "echo hi there"
        );
        let e = plan_steps(&outer, &p, "Linux", &no_nested, 0).expect_err("missing");
        assert_eq!(e.exception, Some("InvalidDocument"));
        // A document that runs itself stops at the nesting bound.
        let looping = doc(json!({
            "schemaVersion": "2.2",
            "mainSteps": [{"action": "aws:runDocument", "name": "again",
                "inputs": {"documentType": "SSMDocument", "documentPath": "Loop"}}]
        }));
        let again = looping.clone();
        let resolve_self = move |_: &str| Some(again.clone());
        let e = plan_steps(&looping, &BTreeMap::new(), "Linux", &resolve_self, 0)
            .expect_err("too deep");
        assert!(e.message.contains("nests deeper"), "{}", e.message);
    }

    #[test]
    fn substitution_leaves_parameter_store_references() {
        let mut p = BTreeMap::new();
        p.insert("a".to_string(), json!("1"));
        assert_eq!(
            substitute("x {{a}} {{ ssm:/db/url }} {{ a }}", &p),
            "x 1 {{ ssm:/db/url }} 1"
        );
    }
}
