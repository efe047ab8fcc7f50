//! Command documents as data: parsing (JSON or YAML), validation with the path of the
//! bad element, and the normalized form the rest of Bosun uses ([`CommandDocument`]).
//!
//! Schema 2.2 (`mainSteps`) is the one to write; schema 1.2 (`runtimeConfig`, the
//! shape of AWS-RunShellScript) is read too. Both become a list of [`Step`]s. Pure
//! logic: no I/O, no database.

use regex::Regex;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

/// AWS's limit on document content (bytes).
pub const MAX_CONTENT_BYTES: usize = 64 * 1024;
/// Plugins Bosun runs. Anything else is refused when the document is created.
pub const RUN_SHELL_SCRIPT: &str = "aws:runShellScript";
pub const RUN_DOCUMENT: &str = "aws:runDocument";
/// Scans for or installs patches with the node's patch baseline (Patch Manager).
pub const RUN_PATCH_BASELINE: &str = bosun_protocol::exec::RUN_PATCH_BASELINE;
pub const PLUGINS: &[&str] = &[RUN_SHELL_SCRIPT, RUN_DOCUMENT, RUN_PATCH_BASELINE];
/// `aws:runPatchBaseline` inputs' values.
pub const PATCH_OPERATIONS: &[&str] = &["Scan", "Install"];
pub const REBOOT_OPTIONS: &[&str] = &["RebootIfNeeded", "NoReboot"];
/// Default step execution timeout (`executionTimeout` / `timeoutSeconds`), seconds.
pub const DEFAULT_STEP_TIMEOUT_SECONDS: u64 = 3600;
/// Upper bound of a step timeout (AWS: 172800 s, two days).
pub const MAX_STEP_TIMEOUT_SECONDS: u64 = 172_800;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "JSON" => Some(Format::Json),
            "YAML" => Some(Format::Yaml),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
        }
    }
}

/// What is wrong with a document, and where (`mainSteps[1].inputs.runCommand`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

fn invalid(path: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        path: path.to_string(),
        message: message.into(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    String,
    StringList,
    Integer,
    Boolean,
    StringMap,
    MapList,
}

impl ParamType {
    fn parse(s: &str) -> Option<ParamType> {
        Some(match s {
            "String" => ParamType::String,
            "StringList" => ParamType::StringList,
            "Integer" => ParamType::Integer,
            "Boolean" => ParamType::Boolean,
            "StringMap" => ParamType::StringMap,
            "MapList" => ParamType::MapList,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "String",
            ParamType::StringList => "StringList",
            ParamType::Integer => "Integer",
            ParamType::Boolean => "Boolean",
            ParamType::StringMap => "StringMap",
            ParamType::MapList => "MapList",
        }
    }
}

/// One declared parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamDef {
    pub name: String,
    pub kind: ParamType,
    pub description: String,
    pub default: Option<Value>,
    pub allowed_values: Vec<String>,
    pub allowed_pattern: Option<String>,
    pub min_chars: Option<u64>,
    pub max_chars: Option<u64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    /// `displayType: textarea` (the console shows a multi-line field).
    pub textarea: bool,
}

/// What happens after a step fails (schema 2.2 `onFailure`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnFailure {
    /// Run the next steps anyway (the default; the command still fails at the end).
    Continue,
    /// Stop here; the invocation fails.
    Exit,
    /// Stop here; the invocation succeeds.
    SuccessAndExit,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub name: String,
    pub action: String,
    /// The step's inputs as written (parameter references not yet substituted).
    pub inputs: Map<String, Value>,
    /// Platform types the step runs on (`precondition`); empty: all.
    pub platforms: Vec<String>,
    pub on_failure: OnFailure,
    pub is_critical: bool,
    pub is_end: bool,
}

/// A validated command document.
#[derive(Clone, Debug, PartialEq)]
pub struct CommandDocument {
    pub schema_version: String,
    pub description: String,
    pub parameters: Vec<ParamDef>,
    pub steps: Vec<Step>,
}

impl CommandDocument {
    /// Platform types some step can run on, in AWS's order.
    pub fn platform_types(&self) -> Vec<String> {
        let mut set = BTreeSet::new();
        for s in &self.steps {
            let of_action: &[&str] = match s.action.as_str() {
                RUN_SHELL_SCRIPT => &["Linux", "MacOS"],
                RUN_PATCH_BASELINE => &["Linux"],
                _ => &["Windows", "Linux", "MacOS"],
            };
            for p in of_action {
                if s.platforms.is_empty() || s.platforms.iter().any(|x| x == p) {
                    set.insert(*p);
                }
            }
        }
        ["Windows", "Linux", "MacOS"]
            .iter()
            .filter(|p| set.contains(*p))
            .map(|p| p.to_string())
            .collect()
    }

    pub fn parameter(&self, name: &str) -> Option<&ParamDef> {
        self.parameters.iter().find(|p| p.name == name)
    }
}

/// Parses content in `format` (guessing when `None`: JSON if it parses as JSON) into a
/// JSON value. YAML is parsed with budgets (no alias bombs) by serde-saphyr.
pub fn parse_content(content: &str, format: Option<Format>) -> Result<(Value, Format), Invalid> {
    if content.len() > MAX_CONTENT_BYTES {
        return Err(invalid(
            "",
            format!(
                "The content is {} bytes; the limit is {MAX_CONTENT_BYTES}.",
                content.len()
            ),
        ));
    }
    let as_json = || {
        serde_json::from_str::<Value>(content)
            .map_err(|e| invalid("", format!("The content is not valid JSON: {e}")))
    };
    let as_yaml = || {
        serde_saphyr::from_str::<Value>(content)
            .map_err(|e| invalid("", format!("The content is not valid YAML: {e}")))
    };
    let (value, format) = match format {
        Some(Format::Json) => (as_json()?, Format::Json),
        Some(Format::Yaml) => (as_yaml()?, Format::Yaml),
        None => match as_json() {
            Ok(v) => (v, Format::Json),
            Err(_) => (as_yaml()?, Format::Yaml),
        },
    };
    if !value.is_object() {
        return Err(invalid(
            "",
            "A document is a mapping (an object) at the top.",
        ));
    }
    Ok((value, format))
}

/// Renders a parsed document in `format` (JSON: two-space indentation).
pub fn render(value: &Value, format: Format) -> Result<String, Invalid> {
    match format {
        Format::Json => serde_json::to_string_pretty(value)
            .map_err(|e| invalid("", format!("cannot render JSON: {e}"))),
        Format::Yaml => serde_saphyr::to_string(value)
            .map_err(|e| invalid("", format!("cannot render YAML: {e}"))),
    }
}

/// A name of `min`–`max` ASCII letters, digits, `_`, `-` and `.` (documents, versions,
/// steps).
pub fn is_name(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

fn get_str<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a str>, Invalid> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(&format!("{path}.{key}"), "must be a string")),
    }
}

fn get_u64(obj: &Map<String, Value>, key: &str, path: &str) -> Result<Option<u64>, Invalid> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| invalid(&format!("{path}.{key}"), "must be a whole number ≥ 0")),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| invalid(&format!("{path}.{key}"), "must be a whole number ≥ 0")),
        Some(_) => Err(invalid(
            &format!("{path}.{key}"),
            "must be a whole number ≥ 0",
        )),
    }
}

fn get_bool(obj: &Map<String, Value>, key: &str, path: &str) -> Result<Option<bool>, Invalid> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(_) => Err(invalid(&format!("{path}.{key}"), "must be true or false")),
    }
}

fn reject_unknown(obj: &Map<String, Value>, known: &[&str], path: &str) -> Result<(), Invalid> {
    match obj.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(invalid(
            &format!("{path}.{k}"),
            format!("unknown property (expected one of: {})", known.join(", ")),
        )),
        None => Ok(()),
    }
}

/// Validates a parsed document and returns its normalized form.
pub fn validate(value: &Value) -> Result<CommandDocument, Invalid> {
    let Some(root) = value.as_object() else {
        return Err(invalid(
            "",
            "A document is a mapping (an object) at the top.",
        ));
    };
    let schema = match root.get("schemaVersion") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(invalid("schemaVersion", "must be a string such as \"2.2\"")),
        None => return Err(invalid("schemaVersion", "is required (use \"2.2\")")),
    };
    let description = get_str(root, "description", "")
        .map_err(|e| invalid("description", e.message))?
        .unwrap_or_default()
        .to_string();
    let parameters = match root.get("parameters") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(ps)) => parse_parameters(ps)?,
        Some(_) => {
            return Err(invalid(
                "parameters",
                "must be a mapping of parameter names",
            ))
        }
    };
    let steps = match schema.as_str() {
        "2.2" => {
            reject_unknown(
                root,
                &["schemaVersion", "description", "parameters", "mainSteps"],
                "",
            )
            .map_err(|e| invalid(e.path.trim_start_matches('.'), e.message))?;
            parse_main_steps(root.get("mainSteps"))?
        }
        "1.2" => {
            reject_unknown(
                root,
                &["schemaVersion", "description", "parameters", "runtimeConfig"],
                "",
            )
            .map_err(|e| invalid(e.path.trim_start_matches('.'), e.message))?;
            parse_runtime_config(root.get("runtimeConfig"))?
        }
        other => {
            return Err(invalid(
                "schemaVersion",
                format!("{other:?} is not supported for Command documents: write \"2.2\" (\"1.2\" is read too)"),
            ))
        }
    };
    let doc = CommandDocument {
        schema_version: schema,
        description,
        parameters,
        steps,
    };
    check_references(&doc)?;
    Ok(doc)
}

fn parse_parameters(ps: &Map<String, Value>) -> Result<Vec<ParamDef>, Invalid> {
    let mut out = Vec::new();
    for (name, def) in ps {
        let path = format!("parameters.{name}");
        if !is_name(name, 1, 128) || name.contains(['.', '-']) {
            return Err(invalid(
                &path,
                "a parameter name is 1–128 letters, digits and _",
            ));
        }
        let Some(def) = def.as_object() else {
            return Err(invalid(&path, "must be a mapping with at least a type"));
        };
        reject_unknown(
            def,
            &[
                "type",
                "description",
                "default",
                "allowedValues",
                "allowedPattern",
                "minChars",
                "maxChars",
                "minItems",
                "maxItems",
                "displayType",
            ],
            &path,
        )?;
        let kind = match def.get("type") {
            Some(Value::String(t)) => ParamType::parse(t).ok_or_else(|| {
                invalid(
                    &format!("{path}.type"),
                    format!("{t:?} is not a parameter type (String, StringList, Integer, Boolean, StringMap, MapList)"),
                )
            })?,
            _ => return Err(invalid(&format!("{path}.type"), "is required")),
        };
        let allowed_values = match def.get("allowedValues") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(vs)) => vs
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    Value::Bool(b) => Ok(b.to_string()),
                    _ => Err(invalid(
                        &format!("{path}.allowedValues[{i}]"),
                        "must be a string",
                    )),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(invalid(&format!("{path}.allowedValues"), "must be a list")),
        };
        let allowed_pattern = get_str(def, "allowedPattern", &path)?.map(str::to_string);
        if let Some(p) = &allowed_pattern {
            Regex::new(p).map_err(|e| {
                invalid(
                    &format!("{path}.allowedPattern"),
                    format!("is not a valid regular expression: {e}"),
                )
            })?;
        }
        let p = ParamDef {
            name: name.clone(),
            kind,
            description: get_str(def, "description", &path)?
                .unwrap_or_default()
                .to_string(),
            default: def.get("default").filter(|v| !v.is_null()).cloned(),
            allowed_values,
            allowed_pattern,
            min_chars: get_u64(def, "minChars", &path)?,
            max_chars: get_u64(def, "maxChars", &path)?,
            min_items: get_u64(def, "minItems", &path)?,
            max_items: get_u64(def, "maxItems", &path)?,
            textarea: get_str(def, "displayType", &path)? == Some("textarea"),
        };
        if let Some(d) = &p.default {
            check_value(&p, d).map_err(|m| invalid(&format!("{path}.default"), m))?;
        }
        out.push(p);
    }
    Ok(out)
}

fn parse_main_steps(steps: Option<&Value>) -> Result<Vec<Step>, Invalid> {
    let steps = match steps {
        Some(Value::Array(s)) if !s.is_empty() => s,
        Some(Value::Array(_)) | None => {
            return Err(invalid(
                "mainSteps",
                "is required and has at least one step",
            ))
        }
        Some(_) => return Err(invalid("mainSteps", "must be a list of steps")),
    };
    let mut out: Vec<Step> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let path = format!("mainSteps[{i}]");
        let Some(obj) = step.as_object() else {
            return Err(invalid(&path, "must be a mapping"));
        };
        reject_unknown(
            obj,
            &[
                "action",
                "name",
                "inputs",
                "precondition",
                "onFailure",
                "isCritical",
                "isEnd",
                "description",
            ],
            &path,
        )?;
        let action = get_str(obj, "action", &path)?
            .ok_or_else(|| invalid(&format!("{path}.action"), "is required"))?;
        if !PLUGINS.contains(&action) {
            return Err(invalid(
                &format!("{path}.action"),
                format!(
                    "{action:?} is not a plugin Bosun runs (supported: {})",
                    PLUGINS.join(", ")
                ),
            ));
        }
        let name = get_str(obj, "name", &path)?
            .ok_or_else(|| invalid(&format!("{path}.name"), "is required"))?;
        if !is_name(name, 1, 100) {
            return Err(invalid(
                &format!("{path}.name"),
                "a step name is 1–100 letters, digits, _ - .",
            ));
        }
        if out.iter().any(|s| s.name == name) {
            return Err(invalid(
                &format!("{path}.name"),
                format!("{name:?} names another step too"),
            ));
        }
        let inputs = match obj.get("inputs") {
            Some(Value::Object(m)) => m.clone(),
            _ => {
                return Err(invalid(
                    &format!("{path}.inputs"),
                    "is required and is a mapping",
                ))
            }
        };
        let platforms = match obj.get("precondition") {
            None | Some(Value::Null) => Vec::new(),
            Some(p) => parse_precondition(p, &format!("{path}.precondition"))?,
        };
        let on_failure = match get_str(obj, "onFailure", &path)? {
            None => OnFailure::Continue,
            Some("exit") => OnFailure::Exit,
            Some("successAndExit") => OnFailure::SuccessAndExit,
            Some(other) => {
                return Err(invalid(
                    &format!("{path}.onFailure"),
                    format!("{other:?}: use exit or successAndExit"),
                ))
            }
        };
        let step = Step {
            name: name.to_string(),
            action: action.to_string(),
            inputs,
            platforms,
            on_failure,
            is_critical: get_bool(obj, "isCritical", &path)?.unwrap_or(false),
            is_end: get_bool(obj, "isEnd", &path)?.unwrap_or(false),
        };
        check_inputs(&step, &format!("{path}.inputs"))?;
        out.push(step);
    }
    Ok(out)
}

fn parse_precondition(p: &Value, path: &str) -> Result<Vec<String>, Invalid> {
    let bad = || {
        invalid(
            path,
            "use {\"StringEquals\": [\"platformType\", \"Linux\"]}",
        )
    };
    let obj = p.as_object().ok_or_else(bad)?;
    if obj.len() != 1 {
        return Err(bad());
    }
    let args = obj
        .get("StringEquals")
        .and_then(Value::as_array)
        .ok_or_else(bad)?;
    match args.as_slice() {
        [Value::String(k), Value::String(v)] if k == "platformType" => {
            if !matches!(v.as_str(), "Linux" | "Windows" | "MacOS") {
                return Err(invalid(
                    path,
                    format!("{v:?} is not a platform type (Linux, Windows, MacOS)"),
                ));
            }
            Ok(vec![v.clone()])
        }
        _ => Err(bad()),
    }
}

fn parse_runtime_config(rc: Option<&Value>) -> Result<Vec<Step>, Invalid> {
    let Some(Value::Object(rc)) = rc else {
        return Err(invalid(
            "runtimeConfig",
            "is required in schema 1.2 and is a mapping of plugins",
        ));
    };
    let mut out = Vec::new();
    for (action, plugin) in rc {
        let path = format!("runtimeConfig.{action}");
        if action != RUN_SHELL_SCRIPT {
            return Err(invalid(&path, format!("{action:?} is not a plugin Bosun runs in schema 1.2 (supported: {RUN_SHELL_SCRIPT})")));
        }
        let props = match plugin.get("properties") {
            Some(Value::Array(ps)) => ps.clone(),
            Some(Value::Object(o)) => vec![Value::Object(o.clone())],
            _ => return Err(invalid(&format!("{path}.properties"), "is required")),
        };
        for (i, prop) in props.iter().enumerate() {
            let ppath = format!("{path}.properties[{i}]");
            let Some(obj) = prop.as_object() else {
                return Err(invalid(&ppath, "must be a mapping"));
            };
            let mut inputs = obj.clone();
            let id = match inputs.remove("id") {
                Some(Value::String(s)) => s,
                _ => format!("{i}.{action}"),
            };
            // AWS names a 1.2 plugin by its action (`aws:runShellScript`); the
            // property's id only tells several properties of one plugin apart.
            let name = if props.len() == 1 { action.clone() } else { id };
            let step = Step {
                name,
                action: action.clone(),
                inputs,
                platforms: Vec::new(),
                on_failure: OnFailure::Continue,
                is_critical: false,
                is_end: false,
            };
            check_inputs(&step, &ppath)?;
            out.push(step);
        }
    }
    if out.is_empty() {
        return Err(invalid("runtimeConfig", "has no plugin to run"));
    }
    Ok(out)
}

/// A string input that is a text, a list of texts, or a `{{ parameter }}` reference.
fn text_or_list(v: &Value, path: &str) -> Result<(), Invalid> {
    match v {
        Value::String(_) => Ok(()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if !item.is_string() {
                    return Err(invalid(&format!("{path}[{i}]"), "must be a string"));
                }
            }
            Ok(())
        }
        _ => Err(invalid(path, "must be a string or a list of strings")),
    }
}

fn check_inputs(step: &Step, path: &str) -> Result<(), Invalid> {
    let known: &[&str] = match step.action.as_str() {
        RUN_SHELL_SCRIPT => &[
            "runCommand",
            "workingDirectory",
            "timeoutSeconds",
            "interpolationType",
        ],
        RUN_PATCH_BASELINE => &["Operation", "RebootOption", "SnapshotId", "timeoutSeconds"],
        _ => &["documentType", "documentPath", "documentParameters"],
    };
    if let Some(k) = step.inputs.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(invalid(
            &format!("{path}.{k}"),
            format!(
                "not an input of {} (expected one of: {})",
                step.action,
                known.join(", ")
            ),
        ));
    }
    match step.action.as_str() {
        RUN_PATCH_BASELINE => {
            let choice = |key: &str, allowed: &[&str], required: bool| {
                let p = format!("{path}.{key}");
                match step.inputs.get(key) {
                    None if required => Err(invalid(&p, "is required")),
                    None => Ok(()),
                    Some(Value::String(s)) if is_reference(s) || allowed.contains(&s.as_str()) => {
                        Ok(())
                    }
                    Some(_) => Err(invalid(
                        &p,
                        format!(
                            "must be one of {} or a parameter reference",
                            allowed.join(", ")
                        ),
                    )),
                }
            };
            choice("Operation", PATCH_OPERATIONS, true)?;
            choice("RebootOption", REBOOT_OPTIONS, false)?;
            if step
                .inputs
                .get("SnapshotId")
                .is_some_and(|v| !v.is_string())
            {
                return Err(invalid(&format!("{path}.SnapshotId"), "must be a string"));
            }
            check_timeout(step, path)?;
        }
        RUN_SHELL_SCRIPT => {
            let rc = step
                .inputs
                .get("runCommand")
                .ok_or_else(|| invalid(&format!("{path}.runCommand"), "is required"))?;
            text_or_list(rc, &format!("{path}.runCommand"))?;
            if let Some(w) = step.inputs.get("workingDirectory") {
                if !w.is_string() {
                    return Err(invalid(
                        &format!("{path}.workingDirectory"),
                        "must be a string",
                    ));
                }
            }
            check_timeout(step, path)?;
            if let Some(i) = step.inputs.get("interpolationType") {
                if i.as_str() != Some("ENV_VAR") {
                    return Err(invalid(
                        &format!("{path}.interpolationType"),
                        "the only value is ENV_VAR",
                    ));
                }
            }
        }
        _ => {
            match step.inputs.get("documentType").and_then(Value::as_str) {
                Some("SSMDocument") => {}
                _ => {
                    return Err(invalid(
                        &format!("{path}.documentType"),
                        "must be SSMDocument",
                    ))
                }
            }
            match step.inputs.get("documentPath") {
                Some(Value::String(s)) if !s.trim().is_empty() => {}
                _ => {
                    return Err(invalid(
                        &format!("{path}.documentPath"),
                        "is required: the name of a document",
                    ))
                }
            }
            if let Some(p) = step.inputs.get("documentParameters") {
                if !(p.is_object() || p.is_string()) {
                    return Err(invalid(
                        &format!("{path}.documentParameters"),
                        "must be a mapping",
                    ));
                }
            }
        }
    }
    Ok(())
}

fn check_timeout(step: &Step, path: &str) -> Result<(), Invalid> {
    if let Some(t) = step.inputs.get("timeoutSeconds") {
        let ok = match t {
            Value::Number(n) => n
                .as_u64()
                .is_some_and(|n| (1..=MAX_STEP_TIMEOUT_SECONDS).contains(&n)),
            Value::String(s) => {
                is_reference(s)
                    || s.trim()
                        .parse::<u64>()
                        .is_ok_and(|n| (1..=MAX_STEP_TIMEOUT_SECONDS).contains(&n))
            }
            _ => false,
        };
        if !ok {
            return Err(invalid(
                &format!("{path}.timeoutSeconds"),
                format!("must be 1–{MAX_STEP_TIMEOUT_SECONDS} seconds or a parameter reference"),
            ));
        }
    }
    Ok(())
}

fn is_reference(s: &str) -> bool {
    let t = s.trim();
    t.starts_with("{{") && t.ends_with("}}") && references(t).len() == 1
}

/// The parameter names `{{ name }}` references in a text (not `{{ssm:…}}`, which
/// name Parameter Store entries).
pub fn references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        if !name.is_empty() && !name.starts_with("ssm:") && !name.starts_with("ssm-secure:") {
            out.push(name.to_string());
        }
        rest = &after[end + 2..];
    }
    out
}

fn collect_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

fn check_references(doc: &CommandDocument) -> Result<(), Invalid> {
    for (i, step) in doc.steps.iter().enumerate() {
        let mut texts = Vec::new();
        for v in step.inputs.values() {
            collect_strings(v, &mut texts);
        }
        for t in texts {
            for name in references(t) {
                if doc.parameter(&name).is_none() {
                    return Err(invalid(
                        &format!("steps[{i}] ({})", step.name),
                        format!(
                            "{{{{ {name} }}}} refers to a parameter the document does not declare"
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Checks one value against its definition; the message says what is wrong.
pub fn check_value(p: &ParamDef, v: &Value) -> Result<(), String> {
    let pattern = match &p.allowed_pattern {
        Some(pat) => {
            Some(Regex::new(pat).map_err(|e| format!("the allowed pattern is invalid: {e}"))?)
        }
        None => None,
    };
    let check_text = |s: &str| -> Result<(), String> {
        let n = s.chars().count() as u64;
        if let Some(min) = p.min_chars {
            if n < min {
                return Err(format!("is {n} characters; at least {min}"));
            }
        }
        if let Some(max) = p.max_chars {
            if n > max {
                return Err(format!("is {n} characters; at most {max}"));
            }
        }
        if !p.allowed_values.is_empty() && !p.allowed_values.iter().any(|a| a == s) {
            return Err(format!(
                "{s:?} is not one of the allowed values ({})",
                p.allowed_values.join(", ")
            ));
        }
        if let Some(re) = &pattern {
            if !re.is_match(s) {
                return Err(format!(
                    "{s:?} does not match the allowed pattern {}",
                    re.as_str()
                ));
            }
        }
        Ok(())
    };
    let check_items = |n: usize| -> Result<(), String> {
        let n = n as u64;
        if let Some(min) = p.min_items {
            if n < min {
                return Err(format!("has {n} items; at least {min}"));
            }
        }
        if let Some(max) = p.max_items {
            if n > max {
                return Err(format!("has {n} items; at most {max}"));
            }
        }
        Ok(())
    };
    match (p.kind, v) {
        (ParamType::String, Value::String(s)) => check_text(s),
        (ParamType::StringList, Value::Array(items)) => {
            check_items(items.len())?;
            for item in items {
                match item {
                    Value::String(s) => check_text(s)?,
                    _ => return Err("is a list of strings".into()),
                }
            }
            Ok(())
        }
        (ParamType::StringList, Value::String(s)) => check_text(s),
        (ParamType::Integer, Value::Number(n)) if n.is_i64() => check_text(&n.to_string()),
        (ParamType::Integer, Value::String(s)) if s.trim().parse::<i64>().is_ok() => {
            check_text(s.trim())
        }
        (ParamType::Boolean, Value::Bool(_)) => Ok(()),
        (ParamType::Boolean, Value::String(s)) if s == "true" || s == "false" => Ok(()),
        (ParamType::StringMap, Value::Object(_)) => Ok(()),
        (ParamType::MapList, Value::Array(items)) if items.iter().all(Value::is_object) => {
            check_items(items.len())
        }
        (kind, _) => Err(format!("must be a {}", kind.as_str())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> Result<CommandDocument, Invalid> {
        validate(&v)
    }

    fn shell(commands: Value) -> Value {
        json!({
            "schemaVersion": "2.2",
            "description": "d",
            "parameters": {"commands": {"type": "StringList", "default": ["uptime"]}},
            "mainSteps": [{"action": "aws:runShellScript", "name": "run", "inputs": {"runCommand": commands}}]
        })
    }

    #[test]
    fn a_good_document_normalizes() {
        let d = doc(shell(json!("{{ commands }}"))).expect("valid");
        assert_eq!(d.schema_version, "2.2");
        assert_eq!(d.steps.len(), 1);
        assert_eq!(d.parameters[0].kind, ParamType::StringList);
        assert_eq!(d.platform_types(), vec!["Linux", "MacOS"]);
    }

    #[test]
    fn errors_name_the_bad_element() {
        let mut v = shell(json!("{{ commands }}"));
        v["mainSteps"][0]["action"] = json!("aws:runPowerShellScript");
        assert_eq!(doc(v).expect_err("invalid").path, "mainSteps[0].action");

        let mut v = shell(json!("{{ commands }}"));
        v["mainSteps"][0]["inputs"]["runComand"] = json!("x");
        assert_eq!(
            doc(v).expect_err("invalid").path,
            "mainSteps[0].inputs.runComand"
        );

        let e = doc(shell(json!("{{ nope }}"))).expect_err("invalid");
        assert!(e.message.contains("nope"), "{e}");

        let mut v = shell(json!("x"));
        v["parameters"]["commands"]["type"] = json!("Float");
        assert_eq!(
            doc(v).expect_err("invalid").path,
            "parameters.commands.type"
        );

        let mut v = shell(json!("x"));
        v["parameters"]["commands"]["allowedPattern"] = json!("(");
        assert_eq!(
            doc(v).expect_err("invalid").path,
            "parameters.commands.allowedPattern"
        );

        let mut v = shell(json!("x"));
        v["schemaVersion"] = json!("0.3");
        assert_eq!(doc(v).expect_err("invalid").path, "schemaVersion");

        let mut v = shell(json!("x"));
        v["mainSteps"] = json!([
            {"action": "aws:runShellScript", "name": "a", "inputs": {"runCommand": "x"}},
            {"action": "aws:runShellScript", "name": "a", "inputs": {"runCommand": "y"}}
        ]);
        assert_eq!(doc(v).expect_err("invalid").path, "mainSteps[1].name");

        let mut v = shell(json!("x"));
        v["mainSteps"][0]["inputs"]["timeoutSeconds"] = json!(0);
        assert_eq!(
            doc(v).expect_err("invalid").path,
            "mainSteps[0].inputs.timeoutSeconds"
        );

        let mut v = shell(json!("x"));
        v["parameters"]["commands"]["default"] = json!(5);
        assert_eq!(
            doc(v).expect_err("invalid").path,
            "parameters.commands.default"
        );
    }

    #[test]
    fn schema_1_2_is_read() {
        let d = doc(json!({
            "schemaVersion": "1.2",
            "parameters": {"commands": {"type": "StringList"}},
            "runtimeConfig": {"aws:runShellScript": {"properties": [
                {"id": "0.aws:runShellScript", "runCommand": "{{ commands }}"}
            ]}}
        }))
        .expect("1.2");
        assert_eq!(d.steps[0].name, "aws:runShellScript");
        assert!(d.steps[0].inputs.contains_key("runCommand"));
    }

    #[test]
    fn yaml_and_json_convert_both_ways() {
        let yaml = "schemaVersion: '2.2'\ndescription: hi\nmainSteps:\n  - action: aws:runShellScript\n    name: run\n    inputs:\n      runCommand:\n        - echo hi\n";
        let (v, f) = parse_content(yaml, None).expect("yaml");
        assert_eq!(f, Format::Yaml);
        doc(v.clone()).expect("valid");
        let json = render(&v, Format::Json).expect("json");
        let (back, f) = parse_content(&json, None).expect("json parses");
        assert_eq!(f, Format::Json);
        assert_eq!(back, v);
        let yaml2 = render(&v, Format::Yaml).expect("yaml");
        assert_eq!(
            parse_content(&yaml2, Some(Format::Yaml)).expect("again").0,
            v
        );
        assert!(parse_content("[1, 2]", None).is_err());
        assert!(parse_content(&"x".repeat(MAX_CONTENT_BYTES + 1), None).is_err());
    }

    #[test]
    fn values_are_checked_against_definitions() {
        let p = ParamDef {
            name: "level".into(),
            kind: ParamType::String,
            description: String::new(),
            default: None,
            allowed_values: vec!["low".into(), "high".into()],
            allowed_pattern: None,
            min_chars: None,
            max_chars: Some(4),
            min_items: None,
            max_items: None,
            textarea: false,
        };
        assert!(check_value(&p, &json!("low")).is_ok());
        assert!(check_value(&p, &json!("mid")).is_err());
        assert!(check_value(&p, &json!("lowest")).is_err());
        assert!(check_value(&p, &json!(["low"])).is_err());
        let n = ParamDef {
            kind: ParamType::Integer,
            allowed_values: vec![],
            allowed_pattern: Some("^[0-9]{1,3}$".into()),
            max_chars: None,
            ..p
        };
        assert!(check_value(&n, &json!(42)).is_ok());
        assert!(check_value(&n, &json!("42")).is_ok());
        assert!(check_value(&n, &json!(4200)).is_err());
        assert!(check_value(&n, &json!("x")).is_err());
    }

    #[test]
    fn references_skip_parameter_store() {
        assert_eq!(
            references("echo {{ a }} {{b}} {{ssm:/x}} {{ unterminated"),
            vec!["a".to_string(), "b".to_string()]
        );
    }
}
