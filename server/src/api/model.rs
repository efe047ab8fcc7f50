//! The AWS Systems Manager API model, and validation of request bodies against it.
//!
//! # The model
//!
//! `server/reference/ssm-api-model.json` is the SSM service model exactly as shipped in
//! botocore 1.44.8 (Apache-2.0): "operations" name each operation's input shape and the
//! exception shapes it may return, and "shapes" describe every structure, list, map and
//! scalar with its constraints. It is embedded with `include_str!`, parsed once
//! ([`ApiModel::global`]), and every shape reference is resolved at load, so a dangling
//! reference is a load error, never a validation-time surprise.
//!
//! # What [`ApiModel::validate_input`] enforces
//!
//! The body is checked the way AWS's front end checks it: first that every member has
//! the right JSON type (a failure is a [`ValidationError::Serialization`], AWS's
//! `SerializationException`, reported alone), then the constraints, all violations
//! collected into one [`ValidationError::Constraint`] (AWS's `ValidationException`):
//!
//! * structures: `required` members must be present and not JSON `null`; members the
//!   model does not know are ignored (as AWS ignores them); a `null` optional member is
//!   treated as absent;
//! * strings: `min`/`max` length counted in Unicode scalar values, `pattern`, `enum`;
//! * lists and maps: `min`/`max` entry counts; list elements and map values must not be
//!   `null`; map keys are validated against the key shape and values against the value
//!   shape;
//! * integers and longs: JSON integers (a float with no fractional part is accepted)
//!   within the type's range and the shape's `min`/`max` value range;
//! * booleans must be JSON booleans; timestamps JSON numbers (epoch seconds, possibly
//!   fractional); blobs base64 strings (their `min`/`max` apply to the decoded bytes);
//! * nesting deeper than [`MAX_DEPTH`] levels is refused as a serialization error, so
//!   recursive shapes cannot exhaust the stack.
//!
//! Unions are validated as plain structures (no "exactly one member" check).
//!
//! # Messages
//!
//! Messages follow AWS's wording: `N validation error(s) detected: ` followed by at
//! most [`MAX_LISTED_ERRORS`] entries (N counts them all) joined with `"; "`, each
//! `Value <v> at '<path>' failed to satisfy constraint: <constraint>`, e.g.
//! `Value 'Foo' at 'type' failed to satisfy constraint: Member must satisfy enum value
//! set: [String, StringList, SecureString]`.
//!
//! * The path is the member name with its first letter lowercased (`SettingId` →
//!   `settingId`, `SAMLOptions` → `sAMLOptions`), nested with `.`; inside a list the
//!   element is `<list>.<n>.member` (1-based), inside a map `<map>.<key>`, so a bad key in
//!   the first target of SendCommand is at `targets.1.member.key`.
//! * `<v>` is `null`, or the value quoted Java-style: `'abc'`, `'5'`, `'[a, b]'`,
//!   `'{k=v}'`. When the value is or contains a `sensitive` shape (parameter values,
//!   maintenance-window task parameters...) AWS omits it: `Value at '<path>' ...`.
//! * Constraints: `Member must not be null`, `Member must have length greater than or
//!   equal to N` / `less than or equal to N` (strings, blobs, lists, maps), `Member must
//!   have value greater than or equal to N` / `less than or equal to N` (numbers),
//!   `Member must satisfy regular expression pattern: <pattern as in the model>`,
//!   `Member must satisfy enum value set: [A, B]`.
//! * A list element or map key/value that breaks its own shape's constraints is reported
//!   once for the whole collection, listing all of the element shape's constraints, as
//!   AWS does: `Value '[a, b]' at 'instanceIds' failed to satisfy constraint: Member must
//!   satisfy constraint: [Member must satisfy regular expression pattern: ...]`, `Map keys
//!   must satisfy constraint: [...]`, `Map value must satisfy constraint: [...]`.
//!
//! Serialization messages use AWS's wording where known (`Start of list found where not
//! expected`, `STRING_VALUE can not be converted to an Integer`, ...); they name no path.
//!
//! # Patterns: Java regexes on the `regex` crate
//!
//! The model's patterns are Java regexes, matched against the whole value (AWS uses
//! full-match semantics). Each is translated mechanically to the `regex` crate's syntax
//! with Java's meaning preserved and wrapped as `^(?:...)$`:
//!
//! * `\w \W \d \D \s \S` are ASCII classes in Java and are spelled out as such (the
//!   `regex` crate would make them Unicode-aware);
//! * `.` is "any character but a Java line terminator" (`\n \r \u0085 \u2028 \u2029`);
//! * in a character class a `-` that is not part of a range is a literal, as in Java
//!   (`[\w-\/.@]`), and is escaped;
//! * `\x{h..h}`, `\uhhhh`, `\t \n \r \f \a \e`, `\Q...\E`, `\A`, `\z`, `\p{..}` with a
//!   Unicode general category, escaped punctuation, named groups and `(?i)` are carried
//!   over (the `regex` crate's `(?i)` also folds non-ASCII letters, which Java's does not
//!   by default; the one model pattern with `(?i)`, `AccountId`, is ASCII);
//! * a Java `$` becomes the end of the input (the same under full-match semantics);
//! * a pattern that is a single character item repeated `{a,b}` times (`^.{1,100000}$`,
//!   whose spelled-out automaton exceeds the `regex` crate's size limit) is checked as
//!   "every character matches the item, and there are a to b of them", which is the same.
//!
//! One idiom that needs a lookahead is rewritten to an equivalent form without one (see
//! `JAVA_IDIOMS`): `^(?!\s*$).+` ("one or more characters, not all blank") becomes
//! `^.*[^\s\x{85}\x{2028}\x{2029}].*` before translation.
//!
//! Anything else the `regex` crate cannot do — lookarounds, backreferences, possessive
//! quantifiers, atomic groups, word boundaries, other flags or escapes — makes the
//! pattern **not enforced**: values of that shape pass the pattern check (their other
//! constraints still apply). [`ApiModel::unenforced_patterns`] lists them; with botocore
//! 1.44.8 it is exactly one, `StringDateTime` (lookahead and backreferences), which only
//! output shapes use, so no request member of this model escapes a pattern check. A test
//! pins that list so a model update that changes it fails loudly.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::marker::PhantomData;
use std::sync::OnceLock;

use regex::Regex;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

/// The embedded model (botocore 1.44.8, `ssm` 2014-11-06).
const MODEL_JSON: &str = include_str!("../../reference/ssm-api-model.json");

/// Deepest nesting of structures, lists and maps accepted in a request body.
pub const MAX_DEPTH: usize = 32;

/// Most violations listed in one ValidationException message.
pub const MAX_LISTED_ERRORS: usize = 10;

/// Java pattern idioms that need a lookaround, each with an equivalent Java pattern
/// without one (under full-match semantics), applied before translation.
///
/// `^(?!\s*$).+`: `.+` consumes the whole value, so it is one or more characters none of
/// which is a line terminator, and the lookahead rejects it when all of them are Java
/// whitespace. That is: any run of non-terminators containing one character that is
/// neither whitespace nor a line terminator.
const JAVA_IDIOMS: &[(&str, &str)] = &[(r"^(?!\s*$).+", r"^.*[^\s\x{85}\x{2028}\x{2029}].*")];

/// Java's `.` (without DOTALL): anything but a line terminator.
const JAVA_DOT: &str = r"[^\n\r\x{85}\x{2028}\x{2029}]";

/// Unicode general categories accepted in `\p{..}` / `\P{..}` (same meaning in Java and
/// in the `regex` crate).
const GENERAL_CATEGORIES: &[&str] = &[
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc",
    "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C",
    "Cc", "Cf", "Co", "Cn",
];

/// The model could not be used. The embedded model is fixed at build time, so any of
/// these is a build defect.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The JSON does not have the botocore service-2 layout.
    #[error("the API model is not valid botocore JSON: {0}")]
    Parse(#[from] serde_json::Error),
    /// A shape or operation refers to a shape the model does not define.
    #[error("shape {from} refers to undefined shape {to}")]
    UndefinedShape { from: String, to: String },
    /// A shape is malformed (unknown type, missing member, non-integer bound...).
    #[error("shape {shape} is invalid: {reason}")]
    InvalidShape { shape: String, reason: String },
}

/// A request body that does not satisfy the operation's input shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// Wrong JSON type for a member (e.g. a string where a list is expected), or the body
    /// is not a JSON object. AWS answers SerializationException for these.
    #[error("{0}")]
    Serialization(String),
    /// Constraint violations. AWS: ValidationException. Message in AWS's style, e.g.
    /// "1 validation error detected: Value null at 'settingId' failed to satisfy
    /// constraint: Member must not be null".
    #[error("{0}")]
    Constraint(String),
}

/// The parsed SSM API model: operations, their errors, and every shape with its
/// compiled constraints. Immutable after [`ApiModel::load`]; share it by reference
/// (see [`ApiModel::global`]).
#[derive(Debug)]
pub struct ApiModel {
    operations: BTreeMap<String, Operation>,
    shapes: Vec<Shape>,
    unenforced: Vec<(String, String)>,
}

#[derive(Debug)]
struct Operation {
    input: Option<usize>,
    errors: Vec<String>,
}

#[derive(Debug)]
struct Shape {
    name: String,
    sensitive: bool,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Structure(Vec<Member>),
    List {
        member: usize,
        size: Bounds,
    },
    Map {
        key: usize,
        value: usize,
        size: Bounds,
    },
    String {
        length: Bounds,
        pattern: Option<Pattern>,
        enum_values: Option<Vec<String>>,
    },
    Integer(Bounds),
    Long(Bounds),
    Double {
        min: Option<f64>,
        max: Option<f64>,
    },
    Boolean,
    Timestamp,
    Blob(Bounds),
}

#[derive(Debug)]
struct Member {
    /// The JSON key.
    name: String,
    /// The name in message paths: first letter lowercased.
    path_name: String,
    target: usize,
    required: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Bounds {
    min: Option<i64>,
    max: Option<i64>,
}

#[derive(Debug)]
struct Pattern {
    /// The Java pattern as in the model (quoted in messages).
    source: String,
    /// `None` when it could not be translated or compiled: not enforced.
    matcher: Option<Matcher>,
}

/// A compiled pattern, matched against the whole value.
#[derive(Debug, Clone)]
enum Matcher {
    /// The translated pattern, anchored `^(?:...)$`.
    Regex(Regex),
    /// A pattern that is one character item repeated `{min,max}` times (`^.{1,100000}$`,
    /// too large for the `regex` crate's size limit when spelled out): every character
    /// must match `each` (anchored `^(?:item)*$`) and their count be within the bounds.
    Run {
        each: Regex,
        min: usize,
        max: Option<usize>,
    },
}

impl Matcher {
    fn is_match(&self, s: &str) -> bool {
        match self {
            Matcher::Regex(re) => re.is_match(s),
            Matcher::Run { each, min, max } => {
                let n = s.chars().count();
                n >= *min && max.is_none_or(|max| n <= max) && each.is_match(s)
            }
        }
    }
}

impl ApiModel {
    /// Parses the embedded model and compiles every pattern. Called once at start.
    pub fn load() -> Result<ApiModel, ModelError> {
        Self::from_json(MODEL_JSON)
    }

    /// The model, parsed on first use and shared for the life of the process.
    pub fn global() -> &'static ApiModel {
        static MODEL: OnceLock<ApiModel> = OnceLock::new();
        MODEL.get_or_init(|| {
            ApiModel::load().expect(
                "invariant: the SSM API model embedded with include_str! is a valid \
                 botocore model (unit test `model_loads` proves it for every build)",
            )
        })
    }

    /// Whether the model defines this operation (e.g. `SendCommand`).
    pub fn has_operation(&self, name: &str) -> bool {
        self.operations.contains_key(name)
    }

    /// All operation names, in lexical order.
    pub fn operation_names(&self) -> impl Iterator<Item = &str> {
        self.operations.keys().map(String::as_str)
    }

    /// Exception shape names the operation may return (from "errors"); empty for an
    /// unknown operation.
    pub fn operation_errors(&self, name: &str) -> Vec<&str> {
        self.operations
            .get(name)
            .map(|op| op.errors.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Patterns that are not enforced because the `regex` crate cannot express them:
    /// `(shape name, Java pattern)`, sorted by shape name.
    pub fn unenforced_patterns(&self) -> Vec<(&str, &str)> {
        self.unenforced
            .iter()
            .map(|(shape, pattern)| (shape.as_str(), pattern.as_str()))
            .collect()
    }

    /// Validates a request body against the operation's input shape.
    ///
    /// The caller answers `UnknownOperationException` for names where
    /// [`ApiModel::has_operation`] is false; given one anyway, this returns a
    /// `Serialization` error. An empty HTTP body should be passed as `{}`.
    pub fn validate_input(&self, operation: &str, input: &Value) -> Result<(), ValidationError> {
        let Some(op) = self.operations.get(operation) else {
            return Err(ValidationError::Serialization(format!(
                "Unknown operation {operation}"
            )));
        };
        if !input.is_object() {
            return Err(ValidationError::Serialization(mismatch(
                input,
                "a Structure",
            )));
        }
        let Some(input_shape) = op.input else {
            return Ok(());
        };
        let mut walker = Walker {
            model: self,
            errors: Vec::new(),
            total: 0,
        };
        walker.check(input_shape, input, "", 0)?;
        if walker.total == 0 {
            return Ok(());
        }
        let plural = if walker.total == 1 { "" } else { "s" };
        Err(ValidationError::Constraint(format!(
            "{} validation error{plural} detected: {}",
            walker.total,
            walker.errors.join("; ")
        )))
    }

    fn from_json(json: &str) -> Result<ApiModel, ModelError> {
        let raw: RawModel = serde_json::from_str(json)?;
        let index: HashMap<&str, usize> = raw
            .shapes
            .0
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.as_str(), i))
            .collect();
        let resolve = |from: &str, to: &str| -> Result<usize, ModelError> {
            index
                .get(to)
                .copied()
                .ok_or_else(|| ModelError::UndefinedShape {
                    from: from.to_string(),
                    to: to.to_string(),
                })
        };

        let mut compiled: HashMap<String, Option<Matcher>> = HashMap::new();
        let mut shapes = Vec::with_capacity(raw.shapes.0.len());
        for (name, s) in &raw.shapes.0 {
            let invalid = |reason: &str| ModelError::InvalidShape {
                shape: name.clone(),
                reason: reason.to_string(),
            };
            let member_of = |r: &Option<RawRef>, what: &str| -> Result<usize, ModelError> {
                let r = r.as_ref().ok_or_else(|| invalid(&format!("no {what}")))?;
                resolve(name, &r.shape)
            };
            // Integer bounds (lengths, counts, integer ranges); doubles read their own.
            let bounds = || -> Result<Bounds, ModelError> {
                Ok(Bounds {
                    min: int_bound(name, "min", s.min.as_ref())?,
                    max: int_bound(name, "max", s.max.as_ref())?,
                })
            };
            let kind = match s.kind.as_str() {
                "structure" => {
                    let raw_members = s.members.as_ref().map(|m| m.0.as_slice()).unwrap_or(&[]);
                    for req in &s.required {
                        if !raw_members.iter().any(|(m, _)| m == req) {
                            return Err(invalid(&format!("required member {req} is undefined")));
                        }
                    }
                    let mut members = Vec::with_capacity(raw_members.len());
                    for (member, r) in raw_members {
                        members.push(Member {
                            name: member.clone(),
                            path_name: lower_first(member),
                            target: resolve(name, &r.shape)?,
                            required: s.required.contains(member),
                        });
                    }
                    Kind::Structure(members)
                }
                "list" => Kind::List {
                    member: member_of(&s.member, "member")?,
                    size: bounds()?,
                },
                "map" => Kind::Map {
                    key: member_of(&s.key, "key")?,
                    value: member_of(&s.value, "value")?,
                    size: bounds()?,
                },
                "string" => {
                    let pattern = match &s.pattern {
                        None => None,
                        Some(source) => {
                            let matcher = compiled
                                .entry(source.clone())
                                .or_insert_with(|| compile_java_pattern(source).ok())
                                .clone();
                            Some(Pattern {
                                source: source.clone(),
                                matcher,
                            })
                        }
                    };
                    Kind::String {
                        length: bounds()?,
                        pattern,
                        enum_values: s.enum_values.clone(),
                    }
                }
                "integer" => Kind::Integer(bounds()?),
                "long" => Kind::Long(bounds()?),
                "double" | "float" => Kind::Double {
                    min: s.min.as_ref().and_then(serde_json::Number::as_f64),
                    max: s.max.as_ref().and_then(serde_json::Number::as_f64),
                },
                "boolean" => Kind::Boolean,
                "timestamp" => Kind::Timestamp,
                "blob" => Kind::Blob(bounds()?),
                other => return Err(invalid(&format!("unknown type {other}"))),
            };
            shapes.push(Shape {
                name: name.clone(),
                sensitive: s.sensitive,
                kind,
            });
        }

        let mut operations = BTreeMap::new();
        for (name, op) in raw.operations.0 {
            let input = match &op.input {
                Some(r) => Some(resolve(&name, &r.shape)?),
                None => None,
            };
            let mut errors = Vec::with_capacity(op.errors.len());
            for e in op.errors {
                resolve(&name, &e.shape)?;
                errors.push(e.shape);
            }
            operations.insert(name, Operation { input, errors });
        }
        let mut unenforced: Vec<(String, String)> = shapes
            .iter()
            .filter_map(|shape| match &shape.kind {
                Kind::String {
                    pattern: Some(p), ..
                } if p.matcher.is_none() => Some((shape.name.clone(), p.source.clone())),
                _ => None,
            })
            .collect();
        unenforced.sort();
        Ok(ApiModel {
            operations,
            shapes,
            unenforced,
        })
    }
}

fn int_bound(
    shape: &str,
    which: &str,
    n: Option<&serde_json::Number>,
) -> Result<Option<i64>, ModelError> {
    match n {
        None => Ok(None),
        Some(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| ModelError::InvalidShape {
                shape: shape.to_string(),
                reason: format!("{which} {n} is not an integer"),
            }),
    }
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------------------
// Raw model, as deserialized (unknown keys such as "documentation" are skipped).

#[derive(Deserialize)]
struct RawModel {
    operations: Ordered<RawOperation>,
    shapes: Ordered<RawShape>,
}

#[derive(Deserialize)]
struct RawOperation {
    input: Option<RawRef>,
    #[serde(default)]
    errors: Vec<RawRef>,
}

#[derive(Deserialize)]
struct RawRef {
    shape: String,
}

#[derive(Deserialize)]
struct RawShape {
    #[serde(rename = "type")]
    kind: String,
    members: Option<Ordered<RawRef>>,
    #[serde(default)]
    required: Vec<String>,
    member: Option<RawRef>,
    key: Option<RawRef>,
    value: Option<RawRef>,
    min: Option<serde_json::Number>,
    max: Option<serde_json::Number>,
    pattern: Option<String>,
    #[serde(rename = "enum")]
    enum_values: Option<Vec<String>>,
    #[serde(default)]
    sensitive: bool,
}

/// A JSON object kept in document order (structure members are validated, and so
/// reported, in the model's order).
struct Ordered<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, V>()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(OrderedVisitor(PhantomData))
    }
}

// ---------------------------------------------------------------------------------------
// Validation.

struct Walker<'m> {
    model: &'m ApiModel,
    /// The first MAX_LISTED_ERRORS messages.
    errors: Vec<String>,
    /// How many violations there are in all.
    total: usize,
}

impl Walker<'_> {
    fn push(&mut self, value: Option<&str>, path: &str, constraint: &str) {
        self.total += 1;
        if self.errors.len() < MAX_LISTED_ERRORS {
            let value = match value {
                Some(v) => format!(" {v}"),
                None => String::new(),
            };
            self.errors.push(format!(
                "Value{value} at '{path}' failed to satisfy constraint: {constraint}"
            ));
        }
    }

    /// Validates a non-null value of `shape` found at `path`: its own constraints, then
    /// what it contains.
    fn check(
        &mut self,
        shape: usize,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), ValidationError> {
        let violations = self.own_violations(shape, value)?;
        if !violations.is_empty() {
            let shown = self.shown(shape, value);
            for v in &violations {
                self.push(shown.as_deref(), path, v);
            }
        }
        self.check_contents(shape, value, path, depth)
    }

    /// `'value'` as AWS shows it, or None when it is (or holds) a sensitive value.
    fn shown(&self, shape: usize, value: &Value) -> Option<String> {
        render(self.model, shape, value, 0).map(|s| format!("'{s}'"))
    }

    /// The members, elements or entries of a structure, list or map.
    fn check_contents(
        &mut self,
        shape: usize,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), ValidationError> {
        let model = self.model;
        let nested = |depth: usize| -> Result<usize, ValidationError> {
            if depth >= MAX_DEPTH {
                Err(ValidationError::Serialization(format!(
                    "Request body is nested more than {MAX_DEPTH} levels deep"
                )))
            } else {
                Ok(depth + 1)
            }
        };
        match (&model.shapes[shape].kind, value) {
            (Kind::Structure(members), Value::Object(obj)) => {
                let depth = nested(depth)?;
                for m in members {
                    let member_path = join(path, &m.path_name);
                    match obj.get(&m.name) {
                        None | Some(Value::Null) => {
                            if m.required {
                                self.push(Some("null"), &member_path, "Member must not be null");
                            }
                        }
                        Some(v) => self.check(m.target, v, &member_path, depth)?,
                    }
                }
            }
            (Kind::List { member, .. }, Value::Array(items)) => {
                let depth = nested(depth)?;
                let (mut bad, mut null) = (false, false);
                for item in items {
                    if item.is_null() {
                        null = true;
                    } else if !self.own_violations(*member, item)?.is_empty() {
                        bad = true;
                    }
                }
                if bad || null {
                    let constraint = format!(
                        "Member must satisfy constraint: [{}]",
                        self.all_constraints(*member, null)
                    );
                    let shown = self.shown(shape, value);
                    self.push(shown.as_deref(), path, &constraint);
                }
                for (i, item) in items.iter().enumerate() {
                    if !item.is_null() {
                        let item_path = format!("{}.{}.member", path, i + 1);
                        self.check_contents(*member, item, &item_path, depth)?;
                    }
                }
            }
            (
                Kind::Map {
                    key, value: val, ..
                },
                Value::Object(obj),
            ) => {
                let depth = nested(depth)?;
                let (mut bad_key, mut bad_value, mut null) = (false, false, false);
                for (k, v) in obj {
                    if !self
                        .own_violations(*key, &Value::String(k.clone()))?
                        .is_empty()
                    {
                        bad_key = true;
                    }
                    if v.is_null() {
                        null = true;
                    } else if !self.own_violations(*val, v)?.is_empty() {
                        bad_value = true;
                    }
                }
                if bad_key || bad_value || null {
                    let shown = self.shown(shape, value);
                    if bad_key {
                        let constraint = format!(
                            "Map keys must satisfy constraint: [{}]",
                            self.all_constraints(*key, false)
                        );
                        self.push(shown.as_deref(), path, &constraint);
                    }
                    if bad_value || null {
                        let constraint = format!(
                            "Map value must satisfy constraint: [{}]",
                            self.all_constraints(*val, null)
                        );
                        self.push(shown.as_deref(), path, &constraint);
                    }
                }
                for (k, v) in obj {
                    if !v.is_null() {
                        self.check_contents(*val, v, &join(path, k), depth)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks the JSON type of `value` for `shape` (a mismatch is a serialization error)
    /// and returns the constraints of the shape itself that it breaks (not those of what
    /// it contains).
    fn own_violations(&self, shape: usize, value: &Value) -> Result<Vec<String>, ValidationError> {
        let mut out = Vec::new();
        let ser = |expected: &str| ValidationError::Serialization(mismatch(value, expected));
        match &self.model.shapes[shape].kind {
            Kind::Structure(_) => {
                if !value.is_object() {
                    return Err(ser("a Structure"));
                }
            }
            Kind::List { size, .. } => {
                let items = value.as_array().ok_or_else(|| ser("a List"))?;
                length_violations(*size, items.len(), &mut out);
            }
            Kind::Map { size, .. } => {
                let obj = value.as_object().ok_or_else(|| ser("a Map"))?;
                length_violations(*size, obj.len(), &mut out);
            }
            Kind::String {
                length,
                pattern,
                enum_values,
            } => {
                let s = value.as_str().ok_or_else(|| ser("a String"))?;
                length_violations(*length, s.chars().count(), &mut out);
                if let Some(Pattern {
                    source,
                    matcher: Some(m),
                }) = pattern
                {
                    if !m.is_match(s) {
                        out.push(pattern_constraint(source));
                    }
                }
                if let Some(values) = enum_values {
                    if !values.iter().any(|v| v == s) {
                        out.push(enum_constraint(values));
                    }
                }
            }
            Kind::Integer(range) => {
                let n = integral(value)
                    .filter(|n| i32::try_from(*n).is_ok())
                    .ok_or_else(|| ser("an Integer"))?;
                range_violations(*range, n, &mut out);
            }
            Kind::Long(range) => {
                let n = integral(value).ok_or_else(|| ser("a Long"))?;
                range_violations(*range, n, &mut out);
            }
            Kind::Double { min, max } => {
                let n = value.as_f64().ok_or_else(|| ser("a Double"))?;
                if let Some(min) = min.filter(|min| n < *min) {
                    out.push(format!(
                        "Member must have value greater than or equal to {min}"
                    ));
                }
                if let Some(max) = max.filter(|max| n > *max) {
                    out.push(format!(
                        "Member must have value less than or equal to {max}"
                    ));
                }
            }
            Kind::Boolean => {
                if !value.is_boolean() {
                    return Err(ser("a Boolean"));
                }
            }
            Kind::Timestamp => {
                if !value.is_number() {
                    return Err(ser("a Timestamp"));
                }
            }
            Kind::Blob(size) => {
                let s = value.as_str().ok_or_else(|| ser("a Blob"))?;
                let len = base64_decoded_len(s).ok_or_else(|| {
                    ValidationError::Serialization("Base64 encoded blob is invalid".to_string())
                })?;
                length_violations(*size, len, &mut out);
            }
        }
        Ok(out)
    }

    /// Every constraint of `shape` itself, in AWS's order (upper bound, lower bound,
    /// pattern, enum), for the "must satisfy constraint: [...]" collection messages.
    fn all_constraints(&self, shape: usize, not_null: bool) -> String {
        let mut out = Vec::new();
        let mut lengths = |b: Bounds, what: &str| {
            if let Some(max) = b.max {
                out.push(format!(
                    "Member must have {what} less than or equal to {max}"
                ));
            }
            if let Some(min) = b.min {
                out.push(format!(
                    "Member must have {what} greater than or equal to {min}"
                ));
            }
        };
        match &self.model.shapes[shape].kind {
            Kind::List { size, .. } | Kind::Map { size, .. } | Kind::Blob(size) => {
                lengths(*size, "length");
            }
            Kind::String {
                length,
                pattern,
                enum_values,
            } => {
                lengths(*length, "length");
                if let Some(p) = pattern {
                    out.push(pattern_constraint(&p.source));
                }
                if let Some(values) = enum_values {
                    out.push(enum_constraint(values));
                }
            }
            Kind::Integer(range) | Kind::Long(range) => lengths(*range, "value"),
            Kind::Double { min, max } => {
                if let Some(max) = max {
                    out.push(format!(
                        "Member must have value less than or equal to {max}"
                    ));
                }
                if let Some(min) = min {
                    out.push(format!(
                        "Member must have value greater than or equal to {min}"
                    ));
                }
            }
            Kind::Structure(_) | Kind::Boolean | Kind::Timestamp => {}
        }
        if not_null {
            out.push("Member must not be null".to_string());
        }
        out.join(", ")
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn pattern_constraint(source: &str) -> String {
    format!("Member must satisfy regular expression pattern: {source}")
}

fn enum_constraint(values: &[String]) -> String {
    format!(
        "Member must satisfy enum value set: [{}]",
        values.join(", ")
    )
}

fn length_violations(bounds: Bounds, len: usize, out: &mut Vec<String>) {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    if let Some(min) = bounds.min.filter(|min| len < *min) {
        out.push(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    if let Some(max) = bounds.max.filter(|max| len > *max) {
        out.push(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
}

fn range_violations(bounds: Bounds, n: i64, out: &mut Vec<String>) {
    if let Some(min) = bounds.min.filter(|min| n < *min) {
        out.push(format!(
            "Member must have value greater than or equal to {min}"
        ));
    }
    if let Some(max) = bounds.max.filter(|max| n > *max) {
        out.push(format!(
            "Member must have value less than or equal to {max}"
        ));
    }
}

/// A JSON number with no fractional part that fits an i64.
fn integral(value: &Value) -> Option<i64> {
    let n = value.as_number()?;
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    if n.is_u64() {
        return None;
    }
    let f = n.as_f64()?;
    // i64::MAX as f64 rounds up to 2^63, which is out of range: compare with `<`.
    if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 {
        // Exact: f is integral and within range.
        Some(f as i64)
    } else {
        None
    }
}

/// The AWS serialization message for `value` where `expected` ("a String", "an
/// Integer"...) was wanted.
fn mismatch(value: &Value, expected: &str) -> String {
    let token = match value {
        Value::Array(_) => return "Start of list found where not expected".to_string(),
        Value::Object(_) => {
            return "Start of structure or map found where not expected.".to_string()
        }
        Value::String(_) => "STRING_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::Bool(true) => "TRUE_VALUE",
        Value::Bool(false) => "FALSE_VALUE",
        Value::Null => "VALUE_NULL",
    };
    format!("{token} can not be converted to {expected}")
}

/// The number of bytes a standard (RFC 4648, padded) base64 string decodes to, or None
/// if it is not valid base64.
fn base64_decoded_len(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let padding = bytes.iter().rev().take_while(|b| **b == b'=').count();
    if padding > 2 {
        return None;
    }
    let body = &bytes[..bytes.len() - padding];
    if !body
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
    {
        return None;
    }
    Some(bytes.len() / 4 * 3 - padding)
}

/// A value as Java's `toString` would show it (`abc`, `[a, b]`, `{k=v}`), or None if it
/// is or contains a sensitive shape.
fn render(model: &ApiModel, shape: usize, value: &Value, depth: usize) -> Option<String> {
    let s = &model.shapes[shape];
    if s.sensitive || depth > MAX_DEPTH {
        return None;
    }
    let depth = depth + 1;
    Some(match (&s.kind, value) {
        (_, Value::Null) => "null".to_string(),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Number(n)) => n.to_string(),
        (_, Value::Bool(b)) => b.to_string(),
        (Kind::List { member, .. }, Value::Array(items)) => {
            let parts: Option<Vec<String>> = items
                .iter()
                .map(|v| render(model, *member, v, depth))
                .collect();
            format!("[{}]", parts?.join(", "))
        }
        (Kind::Map { value: val, .. }, Value::Object(obj)) => {
            let parts: Option<Vec<String>> = obj
                .iter()
                .map(|(k, v)| render(model, *val, v, depth).map(|v| format!("{k}={v}")))
                .collect();
            format!("{{{}}}", parts?.join(", "))
        }
        (Kind::Structure(members), Value::Object(obj)) => {
            let parts: Option<Vec<String>> = members
                .iter()
                .filter_map(|m| obj.get(&m.name).map(|v| (m, v)))
                .map(|(m, v)| render(model, m.target, v, depth).map(|v| format!("{}={v}", m.name)))
                .collect();
            format!("{{{}}}", parts?.join(", "))
        }
        // Type mismatches never reach rendering (they are serialization errors).
        _ => value.to_string(),
    })
}

// ---------------------------------------------------------------------------------------
// Java pattern translation.

/// Translates a Java pattern (see the module doc) and compiles it for full matches.
fn compile_java_pattern(java: &str) -> Result<Matcher, String> {
    let java = JAVA_IDIOMS
        .iter()
        .find(|(idiom, _)| *idiom == java)
        .map_or(java, |(_, replacement)| replacement);
    if let Some((item, min, max)) = counted_run(java) {
        let each = Regex::new(&format!("^(?:{item})*$")).map_err(|e| e.to_string())?;
        return Ok(Matcher::Run { each, min, max });
    }
    let translated = translate(java)?;
    Regex::new(&format!("^(?:{translated})$"))
        .map(Matcher::Regex)
        .map_err(|e| e.to_string())
}

/// If the whole Java pattern is one character item (`.`, a class, a shorthand, a
/// literal) repeated `{min,max}` times, optionally between `^` and `$`: the item in
/// `regex` syntax and the bounds.
fn counted_run(java: &str) -> Option<(String, usize, Option<usize>)> {
    let body = java.strip_prefix('^').unwrap_or(java);
    let body = body.strip_suffix('$').unwrap_or(body);
    let chars: Vec<char> = body.chars().collect();
    let (item, next) = match *chars.first()? {
        '.' => (JAVA_DOT.to_string(), 1),
        '[' => translate_class(&chars, 0).ok()?,
        '\\' => match escape(&chars, 1).ok()? {
            (Escaped::Char(c), next) => (literal(c), next),
            (Escaped::Set(set), next) => (set, next),
            _ => return None,
        },
        c if !"(){}|*+?^$".contains(c) => (literal(c), 1),
        _ => return None,
    };
    let rest: String = chars[next..].iter().collect();
    let bounds = rest.strip_prefix('{')?.strip_suffix('}')?;
    let (min, max) = match bounds.split_once(',') {
        Some((min, "")) => (min.parse().ok()?, None),
        Some((min, max)) => (min.parse().ok()?, Some(max.parse().ok()?)),
        None => {
            let n = bounds.parse().ok()?;
            (n, Some(n))
        }
    };
    if max.is_some_and(|max| max < min) {
        return None;
    }
    Some((item, min, max))
}

/// A Java shorthand class as an explicit (ASCII, like Java's) class, usable both alone
/// and nested in another class.
fn shorthand(c: char) -> Option<&'static str> {
    Some(match c {
        'd' => "[0-9]",
        'D' => "[^0-9]",
        'w' => "[0-9A-Za-z_]",
        'W' => "[^0-9A-Za-z_]",
        's' => r"[\t\n\x0B\x0C\r ]",
        'S' => r"[^\t\n\x0B\x0C\r ]",
        _ => return None,
    })
}

/// One thing a Java escape stands for.
enum Escaped {
    /// A single character (usable as a range end in a class).
    Char(char),
    /// A set of characters, already in `regex` syntax.
    Set(String),
    /// A zero-width assertion, already in `regex` syntax (not allowed in a class).
    Assertion(&'static str),
    /// `\Q...\E`: a literal run.
    Quoted(String),
}

/// Reads the escape starting after the backslash at `chars[i]`; returns it and the index
/// after it.
fn escape(chars: &[char], i: usize) -> Result<(Escaped, usize), String> {
    let c = *chars.get(i).ok_or("trailing backslash")?;
    if let Some(set) = shorthand(c) {
        return Ok((Escaped::Set(set.to_string()), i + 1));
    }
    let simple = |ch: char| Ok((Escaped::Char(ch), i + 1));
    match c {
        't' => simple('\t'),
        'n' => simple('\n'),
        'r' => simple('\r'),
        'f' => simple('\x0C'),
        'a' => simple('\x07'),
        'e' => simple('\x1B'),
        'A' => Ok((Escaped::Assertion(r"\A"), i + 1)),
        'z' => Ok((Escaped::Assertion(r"\z"), i + 1)),
        'x' => {
            let (hex, next) = if chars.get(i + 1) == Some(&'{') {
                let end = chars[i + 2..]
                    .iter()
                    .position(|c| *c == '}')
                    .ok_or("unclosed \\x{")?;
                (
                    chars[i + 2..i + 2 + end].iter().collect::<String>(),
                    i + 3 + end,
                )
            } else {
                let hex = chars.get(i + 1..i + 3).ok_or("short \\x escape")?;
                (hex.iter().collect::<String>(), i + 3)
            };
            Ok((Escaped::Char(hex_char(&hex)?), next))
        }
        'u' => {
            let hex = chars.get(i + 1..i + 5).ok_or("short \\u escape")?;
            Ok((
                Escaped::Char(hex_char(&hex.iter().collect::<String>())?),
                i + 5,
            ))
        }
        'p' | 'P' => {
            let (name, next) = if chars.get(i + 1) == Some(&'{') {
                let end = chars[i + 2..]
                    .iter()
                    .position(|c| *c == '}')
                    .ok_or("unclosed \\p{")?;
                (
                    chars[i + 2..i + 2 + end].iter().collect::<String>(),
                    i + 3 + end,
                )
            } else {
                let name = chars.get(i + 1).ok_or("short \\p escape")?;
                (name.to_string(), i + 2)
            };
            if !GENERAL_CATEGORIES.contains(&name.as_str()) {
                return Err(format!("unsupported property \\{c}{{{name}}}"));
            }
            Ok((Escaped::Set(format!("\\{c}{{{name}}}")), next))
        }
        'Q' => {
            let rest = &chars[i + 1..];
            let end = rest
                .windows(2)
                .position(|w| w == ['\\', 'E'])
                .unwrap_or(rest.len());
            let next = (i + 1 + end + 2).min(chars.len());
            Ok((Escaped::Quoted(rest[..end].iter().collect()), next))
        }
        c if c.is_ascii_alphanumeric() => Err(format!("unsupported escape \\{c}")),
        c => simple(c),
    }
}

fn hex_char(hex: &str) -> Result<char, String> {
    u32::from_str_radix(hex, 16)
        .ok()
        .and_then(char::from_u32)
        .ok_or_else(|| format!("bad hex escape {hex}"))
}

/// A literal character in `regex` syntax (escaped if it is a metacharacter anywhere).
fn literal(c: char) -> String {
    if c.is_ascii_punctuation() {
        regex::escape(&c.to_string())
    } else if c.is_control() || c == ' ' {
        format!("\\x{{{:X}}}", u32::from(c))
    } else {
        c.to_string()
    }
}

/// Translates a Java pattern into `regex` syntax with the same meaning, or says why it
/// cannot.
fn translate(java: &str) -> Result<String, String> {
    let chars: Vec<char> = java.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let (e, next) = escape(&chars, i + 1)?;
                match e {
                    Escaped::Char(c) => out.push_str(&literal(c)),
                    Escaped::Set(s) => out.push_str(&s),
                    Escaped::Assertion(a) => out.push_str(a),
                    Escaped::Quoted(q) => out.push_str(&format!("(?:{})", regex::escape(&q))),
                }
                i = next;
            }
            '[' => {
                let (class, next) = translate_class(&chars, i)?;
                out.push_str(&class);
                i = next;
            }
            '.' => {
                out.push_str(JAVA_DOT);
                i += 1;
            }
            '(' => {
                i = translate_group_open(&chars, i, &mut out)?;
            }
            q @ ('*' | '+' | '?') => {
                out.push(q);
                i = quantifier_suffix(&chars, i + 1, &mut out)?;
            }
            '{' => {
                let end = chars[i..]
                    .iter()
                    .position(|c| *c == '}')
                    .ok_or("unclosed {")?;
                let body: String = chars[i + 1..i + end].iter().collect();
                if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == ',') {
                    return Err(format!("bad repetition {{{body}}}"));
                }
                out.push_str(&format!("{{{body}}}"));
                i = quantifier_suffix(&chars, i + end + 1, &mut out)?;
            }
            c @ ('^' | '$' | '|' | ')') => {
                out.push(c);
                i += 1;
            }
            c => {
                out.push_str(&literal(c));
                i += 1;
            }
        }
    }
    Ok(out)
}

/// After a quantifier: a lazy `?` is kept, a possessive `+` cannot be translated.
fn quantifier_suffix(chars: &[char], i: usize, out: &mut String) -> Result<usize, String> {
    match chars.get(i) {
        Some('?') => {
            out.push('?');
            Ok(i + 1)
        }
        Some('+') => Err("possessive quantifier".to_string()),
        _ => Ok(i),
    }
}

/// `(` at `chars[i]`: plain groups, non-capturing groups, named groups and the `i` flag
/// carry over; lookarounds, atomic groups and other flags do not.
fn translate_group_open(chars: &[char], i: usize, out: &mut String) -> Result<usize, String> {
    if chars.get(i + 1) != Some(&'?') {
        out.push('(');
        return Ok(i + 1);
    }
    match chars.get(i + 2) {
        Some(':') => {
            out.push_str("(?:");
            Ok(i + 3)
        }
        Some('=') | Some('!') => Err("lookahead".to_string()),
        Some('>') => Err("atomic group".to_string()),
        Some('<') => match chars.get(i + 3) {
            Some('=') | Some('!') => Err("lookbehind".to_string()),
            _ => {
                out.push_str("(?<");
                Ok(i + 3)
            }
        },
        _ => {
            let mut j = i + 2;
            let mut flags = String::new();
            while let Some(&c) = chars.get(j) {
                match c {
                    'i' | '-' => flags.push(c),
                    ')' | ':' => {
                        out.push_str(&format!("(?{flags}{c}"));
                        return Ok(j + 1);
                    }
                    other => return Err(format!("unsupported flag {other}")),
                }
                j += 1;
            }
            Err("unclosed group".to_string())
        }
    }
}

/// The character class starting with `[` at `chars[i]`, with Java's meaning: nested
/// classes and `&&` carry over, shorthands become ASCII classes, a `-` that does not make
/// a range is a literal.
fn translate_class(chars: &[char], i: usize) -> Result<(String, usize), String> {
    let mut out = String::from("[");
    let mut i = i + 1;
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut empty = true;
    loop {
        let c = *chars.get(i).ok_or("unclosed character class")?;
        match c {
            ']' if !empty => return Ok((out + "]", i + 1)),
            ']' => return Err("empty character class".to_string()),
            '[' => {
                let (nested, next) = translate_class(chars, i)?;
                out.push_str(&nested);
                i = next;
            }
            '&' if chars.get(i + 1) == Some(&'&') => {
                out.push_str("&&");
                i += 2;
            }
            _ => {
                let (item, next) = class_item(chars, i)?;
                i = next;
                match item {
                    Escaped::Char(from) => {
                        let range_to = chars.get(i) == Some(&'-')
                            && !matches!(chars.get(i + 1), None | Some(']') | Some('['));
                        if range_to {
                            let (to, next) = class_item(chars, i + 1)?;
                            let Escaped::Char(to) = to else {
                                return Err("range to a class".to_string());
                            };
                            if to < from {
                                return Err("reversed range".to_string());
                            }
                            out.push_str(&format!("{}-{}", literal(from), literal(to)));
                            i = next;
                        } else {
                            out.push_str(&literal(from));
                        }
                    }
                    Escaped::Set(s) => out.push_str(&s),
                    Escaped::Quoted(q) => {
                        for c in q.chars() {
                            out.push_str(&literal(c));
                        }
                    }
                    Escaped::Assertion(_) => return Err("assertion in a class".to_string()),
                }
            }
        }
        empty = false;
    }
}

/// One item of a class: an escape or a literal character.
fn class_item(chars: &[char], i: usize) -> Result<(Escaped, usize), String> {
    match chars.get(i) {
        Some('\\') => escape(chars, i + 1),
        Some(&c) => Ok((Escaped::Char(c), i + 1)),
        None => Err("unclosed character class".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn model() -> &'static ApiModel {
        ApiModel::global()
    }

    #[test]
    fn model_loads() {
        let m = ApiModel::load().expect("embedded model loads");
        assert_eq!(m.operation_names().count(), 154);
        assert!(m.operation_names().any(|n| n == "GetParameter"));
    }

    #[test]
    fn operations_are_known() {
        for op in [
            "GetServiceSetting",
            "UpdateServiceSetting",
            "ResetServiceSetting",
            "SendCommand",
            "PutParameter",
        ] {
            assert!(model().has_operation(op), "{op}");
        }
        assert!(!model().has_operation("sendCommand"));
        assert!(!model().has_operation("NoSuchOperation"));
    }

    #[test]
    fn operation_errors_come_from_the_model() {
        assert_eq!(
            model().operation_errors("GetServiceSetting"),
            vec!["InternalServerError", "ServiceSettingNotFound"]
        );
        assert!(model().operation_errors("NoSuchOperation").is_empty());
    }

    /// What a table case expects.
    enum Want {
        Ok,
        /// A ValidationException with exactly this message.
        Constraint(String),
        /// A ValidationException whose message contains this.
        ConstraintContains(String),
        Serialization,
    }

    fn exact(msg: &str) -> Want {
        Want::Constraint(msg.to_string())
    }

    fn contains(fragment: &str) -> Want {
        Want::ConstraintContains(fragment.to_string())
    }

    /// (case name, operation, body, expectation)
    fn check_table(cases: Vec<(&str, &str, Value, Want)>) {
        for (name, op, body, want) in cases {
            let got = model().validate_input(op, &body);
            match (&want, &got) {
                (Want::Ok, Ok(()))
                | (Want::Serialization, Err(ValidationError::Serialization(_))) => {}
                (Want::Constraint(msg), Err(ValidationError::Constraint(got_msg))) => {
                    assert_eq!(got_msg, msg, "case {name}");
                }
                (Want::ConstraintContains(frag), Err(ValidationError::Constraint(got_msg))) => {
                    assert!(got_msg.contains(frag.as_str()), "case {name}: {got_msg}");
                }
                _ => panic!("case {name}: got {got:?}"),
            }
        }
    }

    #[test]
    fn validation_table() {
        let long_id = "a".repeat(1001);
        let ids: Vec<String> = (0..51).map(|i| format!("i-{:017x}", i)).collect();
        check_table(vec![
            (
                "missing required",
                "GetServiceSetting",
                json!({}),
                exact(
                    "1 validation error detected: Value null at 'settingId' failed to satisfy \
                     constraint: Member must not be null",
                ),
            ),
            (
                "explicit null is missing",
                "GetServiceSetting",
                json!({"SettingId": null}),
                contains("Value null at 'settingId'"),
            ),
            (
                "too long",
                "GetServiceSetting",
                json!({ "SettingId": long_id }),
                exact(&format!(
                    "1 validation error detected: Value '{long_id}' at 'settingId' failed to \
                     satisfy constraint: Member must have length less than or equal to 1000"
                )),
            ),
            (
                "too short",
                "GetServiceSetting",
                json!({"SettingId": ""}),
                contains(
                    "Value '' at 'settingId' failed to satisfy constraint: Member must have \
                     length greater than or equal to 1",
                ),
            ),
            (
                "length counts scalar values",
                "GetServiceSetting",
                json!({ "SettingId": "é".repeat(1000) }),
                Want::Ok,
            ),
            (
                "update ok",
                "UpdateServiceSetting",
                json!({"SettingId": "/ssm/parameter-store/high-throughput-enabled", "SettingValue": "true"}),
                Want::Ok,
            ),
            (
                "reset ok",
                "ResetServiceSetting",
                json!({"SettingId": "/ssm/managed-instance/activation-tier"}),
                Want::Ok,
            ),
            (
                "update missing both",
                "UpdateServiceSetting",
                json!({}),
                exact(
                    "2 validation errors detected: Value null at 'settingId' failed to satisfy \
                     constraint: Member must not be null; Value null at 'settingValue' failed to \
                     satisfy constraint: Member must not be null",
                ),
            ),
            (
                "enum",
                "PutParameter",
                json!({"Name": "p", "Value": "v", "Type": "Foo"}),
                exact(
                    "1 validation error detected: Value 'Foo' at 'type' failed to satisfy \
                     constraint: Member must satisfy enum value set: [String, StringList, \
                     SecureString]",
                ),
            ),
            (
                "sensitive value is not echoed",
                "CreateMaintenanceWindow",
                json!({"Name": "mw1", "Schedule": "rate(1 day)", "Duration": 2, "Cutoff": 1,
                       "AllowUnassociatedTargets": false, "Description": ""}),
                exact(
                    "1 validation error detected: Value at 'description' failed to satisfy \
                     constraint: Member must have length greater than or equal to 1",
                ),
            ),
            (
                "two errors, model order",
                "PutParameter",
                json!({"Type": "Foo", "Name": "x".repeat(2049), "Value": "v"}),
                contains(
                    "2 validation errors detected: Value 'xxx",
                ),
            ),
            (
                "51 instance ids",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript", "InstanceIds": ids}),
                contains(
                    "at 'instanceIds' failed to satisfy constraint: Member must have length \
                     less than or equal to 50",
                ),
            ),
            (
                "instance ids not a list",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript", "InstanceIds": "i-0123456789abcdef0"}),
                Want::Serialization,
            ),
            (
                "bad instance id element",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript", "InstanceIds": ["i-0123456789abcdef0", "bogus"]}),
                exact(
                    "1 validation error detected: Value '[i-0123456789abcdef0, bogus]' at \
                     'instanceIds' failed to satisfy constraint: Member must satisfy \
                     constraint: [Member must satisfy regular expression pattern: \
                     (^i-(\\w{8}|\\w{17})$)|(^mi-\\w{17}$)]",
                ),
            ),
            (
                "timeout below min",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript", "TimeoutSeconds": 1}),
                exact(
                    "1 validation error detected: Value '1' at 'timeoutSeconds' failed to \
                     satisfy constraint: Member must have value greater than or equal to 30",
                ),
            ),
            (
                "timeout above max",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript", "TimeoutSeconds": 2592001}),
                contains("Member must have value less than or equal to 2592000"),
            ),
            (
                "timeout a string",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript", "TimeoutSeconds": "60"}),
                Want::Serialization,
            ),
            (
                "timeout fractional",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript", "TimeoutSeconds": 60.5}),
                Want::Serialization,
            ),
            (
                "timeout beyond i32",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript", "TimeoutSeconds": 1u64 << 40}),
                Want::Serialization,
            ),
            (
                "nested target key too long",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript",
                       "Targets": [{"Key": "tag:Env", "Values": ["x"]}, {"Key": "k".repeat(164), "Values": []}]}),
                contains(
                    "at 'targets.2.member.key' failed to satisfy constraint: Member must have \
                     length less than or equal to 163",
                ),
            ),
            (
                "nested target key bad pattern",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript", "Targets": [{"Key": "bad key!"}]}),
                exact(
                    "1 validation error detected: Value 'bad key!' at 'targets.1.member.key' \
                     failed to satisfy constraint: Member must satisfy regular expression \
                     pattern: ^[\\p{L}\\p{Z}\\p{N}_.:/=\\-@]*$|resource-groups:ResourceTypeFilters|resource-groups:Name",
                ),
            ),
            (
                "targets ok",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript",
                       "Targets": [{"Key": "resource-groups:Name", "Values": ["g"]}],
                       "Parameters": {"commands": ["echo hi"]}, "TimeoutSeconds": 600,
                       "MaxConcurrency": "50%", "MaxErrors": "0", "CloudWatchOutputConfig": {"CloudWatchOutputEnabled": true}}),
                Want::Ok,
            ),
            (
                "boolean as string",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript", "CloudWatchOutputConfig": {"CloudWatchOutputEnabled": "true"}}),
                Want::Serialization,
            ),
            (
                "structure as list",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript", "NotificationConfig": []}),
                Want::Serialization,
            ),
            ("body a list", "GetServiceSetting", json!([]), Want::Serialization),
            ("body a string", "GetServiceSetting", json!("x"), Want::Serialization),
            ("body null", "GetServiceSetting", Value::Null, Want::Serialization),
            (
                "unknown members ignored",
                "GetServiceSetting",
                json!({"SettingId": "/ssm/x", "Bogus": [1, 2, {"a": null}], "settingId": 5}),
                Want::Ok,
            ),
            (
                "unknown operation",
                "NoSuchOperation",
                json!({}),
                Want::Serialization,
            ),
            (
                "map value null",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript", "Parameters": {"commands": null}}),
                contains(
                    "Value at 'parameters' failed to satisfy constraint: Map value must \
                     satisfy constraint: [Member must not be null]",
                ),
            ),
            (
                "list of structures, 1-based member path",
                "AddTagsToResource",
                json!({"ResourceType": "Document", "ResourceId": "d",
                       "Tags": [{"Key": "ok", "Value": "v"}, {"Key": "", "Value": "v"}]}),
                contains(
                    "Value '' at 'tags.2.member.key' failed to satisfy constraint: Member must \
                     have length greater than or equal to 1",
                ),
            ),
            (
                "map keys and values",
                "StartAutomationExecution",
                json!({"DocumentName": "AWS-RestartEC2Instance",
                       "Parameters": {"": ["a"], "Inner": ["", "x"], "Ok": vec!["v"; 51]}}),
                exact(&format!(
                    "3 validation errors detected: Value '{{=[a], Inner=[, x], Ok=[{}]}}' at \
                     'parameters' failed to satisfy constraint: Map keys must satisfy constraint: \
                     [Member must have length less than or equal to 50, Member must have length \
                     greater than or equal to 1]; Value '{{=[a], Inner=[, x], Ok=[{}]}}' at \
                     'parameters' failed to satisfy constraint: Map value must satisfy \
                     constraint: [Member must have length less than or equal to 50, Member must \
                     have length greater than or equal to 0]; Value '[, x]' at \
                     'parameters.Inner' failed to satisfy constraint: Member must satisfy \
                     constraint: [Member must have length less than or equal to 512, Member must \
                     have length greater than or equal to 1]",
                    vec!["v"; 51].join(", "),
                    vec!["v"; 51].join(", ")
                )),
            ),
            (
                "list element null",
                "SendCommand",
                json!({"DocumentName": "AWS-RunShellScript", "InstanceIds": [null]}),
                contains(
                    "Value '[null]' at 'instanceIds' failed to satisfy constraint: Member must \
                     satisfy constraint: [Member must satisfy regular expression pattern: \
                     (^i-(\\w{8}|\\w{17})$)|(^mi-\\w{17}$), Member must not be null]",
                ),
            ),
            (
                "whitespace-only title",
                "CreateOpsItem",
                json!({"Description": "d", "Source": "s", "Title": "   "}),
                contains(
                    "Value '   ' at 'title' failed to satisfy constraint: Member must satisfy \
                     regular expression pattern: ^(?!\\s*$).+",
                ),
            ),
            (
                "ops item ok",
                "CreateOpsItem",
                json!({"Description": "d", "Source": "s", "Title": " t "}),
                Want::Ok,
            ),
        ]);
    }

    #[test]
    fn errors_are_capped_but_counted() {
        let body = json!({"DocumentName": "AWS-RunShellScript",
            "Targets": (0..5).map(|_| json!({"Key": ""})).collect::<Vec<_>>(),
            "TimeoutSeconds": 1, "MaxConcurrency": "x", "MaxErrors": "x", "DocumentHashType": "x",
            "OutputS3Region": "", "Comment": "c".repeat(101)});
        let Err(ValidationError::Constraint(msg)) = model().validate_input("SendCommand", &body)
        else {
            panic!("expected constraint errors");
        };
        assert!(msg.starts_with("11 validation errors detected: "), "{msg}");
        assert_eq!(
            msg.matches("failed to satisfy constraint").count(),
            10,
            "{msg}"
        );
    }

    #[test]
    fn deep_nesting_is_a_serialization_error() {
        // InventoryAggregator -> Aggregators -> InventoryAggregator ... is recursive.
        let mut agg = json!({"Expression": "AWS:InstanceInformation.PlatformType"});
        for _ in 0..40 {
            agg = json!({"Aggregators": [agg]});
        }
        let body = json!({"Aggregators": [agg]});
        assert!(matches!(
            model().validate_input("GetInventory", &body),
            Err(ValidationError::Serialization(_))
        ));
        let mut agg = json!({"Expression": "AWS:InstanceInformation.PlatformType"});
        for _ in 0..5 {
            agg = json!({"Aggregators": [agg]});
        }
        assert_eq!(
            model().validate_input("GetInventory", &json!({"Aggregators": [agg]})),
            Ok(())
        );
    }

    #[test]
    fn blobs_are_base64() {
        let task = |payload: Value| {
            json!({"WindowId": "mw-0123456789abcdef0", "WindowTaskId": "01234567-89ab-cdef-0123-456789abcdef",
                   "TaskInvocationParameters": {"Lambda": {"Payload": payload}}})
        };
        let m = model();
        assert_eq!(
            m.validate_input("UpdateMaintenanceWindowTask", &task(json!("aGVsbG8="))),
            Ok(())
        );
        assert!(matches!(
            m.validate_input("UpdateMaintenanceWindowTask", &task(json!("not base64!"))),
            Err(ValidationError::Serialization(_))
        ));
        let big = "A".repeat(4100); // 3075 bytes: fine
        assert_eq!(
            m.validate_input("UpdateMaintenanceWindowTask", &task(json!(big))),
            Ok(())
        );
        let too_big = "A".repeat(5468); // 4101 bytes
        let Err(ValidationError::Constraint(msg)) =
            m.validate_input("UpdateMaintenanceWindowTask", &task(json!(too_big)))
        else {
            panic!("expected a length error");
        };
        assert!(
            msg.contains(
                "Value at 'taskInvocationParameters.lambda.payload' failed to satisfy \
                 constraint: Member must have length less than or equal to 4096"
            ),
            "{msg}"
        );
    }

    #[test]
    fn timestamps_are_numbers() {
        let m = model();
        let body = |t: Value| json!({"OpsItemId": "oi-0123456789ab", "PlannedStartTime": t});
        assert_eq!(
            m.validate_input("UpdateOpsItem", &body(json!(1700000000))),
            Ok(())
        );
        assert_eq!(
            m.validate_input("UpdateOpsItem", &body(json!(1700000000.25))),
            Ok(())
        );
        assert!(matches!(
            m.validate_input("UpdateOpsItem", &body(json!("2024-01-01T00:00:00Z"))),
            Err(ValidationError::Serialization(_))
        ));
    }

    /// The patterns the `regex` crate cannot express, pinned: a model update that changes
    /// this list must be looked at (and the module doc updated).
    #[test]
    fn unenforced_patterns_are_pinned() {
        let unenforced = model().unenforced_patterns();
        for (shape, pattern) in &unenforced {
            println!("unenforced pattern: {shape}: {pattern}");
        }
        let string_date_time = concat!(
            r"^([\-]?\d{4}(?!\d{2}\b))((-?)((0[1-9]|1[0-2])(\3([12]\d|0[1-9]|3[01]))?|",
            r"W([0-4]\d|5[0-2])(-?[1-7])?|(00[1-9]|0[1-9]\d|[12]\d{2}|3([0-5]\d|6[1-6])))",
            r"([T\s]((([01]\d|2[0-3])((:?)[0-5]\d)?|24\:?00)([\.,]\d(?!:))?)?",
            r"(\17[0-5]\d([\.,]\d)?)?([zZ]|([\-])([01]\d|2[0-3]):?([0-5]\d)?)?)?)?$"
        );
        assert_eq!(unenforced.len(), 1, "{unenforced:?}");
        assert_eq!(unenforced, vec![("StringDateTime", string_date_time)]);
    }

    #[test]
    fn translation_keeps_java_meaning() {
        // (java pattern, value, matches?)
        let cases: &[(&str, &str, bool)] = &[
            (r"\w+", "abc_09", true),
            (r"\w+", "é", false),         // Java's \w is ASCII
            (r"\d", "٣", false),          // and so is \d
            (r"\w{3}", "abcd", false),    // full match
            (r"^.{1,5}$", "a\rb", false), // . excludes Java line terminators
            (r"^.{1,5}$", "a\u{2028}", false),
            (r"^.{1,5}$", "aé b", true),
            (r"[\w-\/.@+=,]+", "a-b/c.d@e+f=g,h", true), // '-' after \w is a literal
            (r"[\w-\/.@+=,]+", "a b", false),
            (r"[a-z0-9-\.]+", "a-1.b", true),
            (r"[a-z0-9-\.]+", "A", false),
            (r"[-a-zA-Z0-9@:%._\+~#=]{1,3}", "~#%", true),
            (r"[\s\S]*\S[\s\S]*", " \n x \n", true),
            (r"[\s\S]*\S[\s\S]*", " \n\t ", false),
            (r"^(?!\s*$).+", "a", true),
            (r"^(?!\s*$).+", " a ", true),
            (r"^(?!\s*$).+", "   ", false),
            (r"^(?!\s*$).+", "", false),
            (r"^(?!\s*$).+", "a\nb", false),
            (r"^(?!\s*$).+", "\u{3000}", true), // not Java whitespace
            (r"(?i)all|[0-9]{12}", "ALL", true),
            (r"(?i)all|[0-9]{12}", "123456789012", true),
            (r"(?i)all|[0-9]{12}", "alll", false),
            (
                r"^[\p{L}\p{Z}\p{N}_.:/=\-@]*$|resource-groups:Name",
                "tag:Énv 1",
                true,
            ),
            (
                r"^[\p{L}\p{Z}\p{N}_.:/=\-@]*$|resource-groups:Name",
                "resource-groups:Name",
                true,
            ),
            (
                r"^[\p{L}\p{Z}\p{N}_.:/=\-@]*$|resource-groups:Name",
                "a!",
                false,
            ),
            (r"([$]LATEST|[$]DEFAULT|^[1-9][0-9]*$)", "$LATEST", true),
            (r"([$]LATEST|[$]DEFAULT|^[1-9][0-9]*$)", "12", true),
            (r"([$]LATEST|[$]DEFAULT|^[1-9][0-9]*$)", "012", false),
            (
                r"^https://.+$|^s3://([^/]+)/(.*?([^/]+))$",
                "s3://b/k/x",
                true,
            ),
            (r"\Qa.b\E", "a.b", true),
            (r"\Qa.b\E", "axb", false),
            (r"\x41\u0042\x{43}", "ABC", true),
            // Too big to spell out: checked as a counted run.
            (r"^.{1,100000}$", "a", true),
            (r"^.{1,100000}$", &"é".repeat(100_000), true),
            (r"^.{1,100000}$", &"a".repeat(100_001), false),
            (r"^.{1,100000}$", "", false),
            (r"^.{1,100000}$", "a\nb", false),
        ];
        for (java, value, want) in cases {
            let re = compile_java_pattern(java).unwrap_or_else(|e| panic!("{java}: {e}"));
            assert_eq!(re.is_match(value), *want, "{java} on {value:?}");
        }
        for java in [
            r"a(?=b)",
            r"a(?<!b)",
            r"(a)\1",
            r"a*+",
            r"(?>a)",
            r"\bx",
            r"(?s).",
            r"\p{Alpha}",
        ] {
            assert!(
                compile_java_pattern(java).is_err(),
                "{java} should not translate"
            );
        }
    }

    /// No member reachable from an operation's input has an unenforced pattern.
    #[test]
    fn unenforced_patterns_are_output_only() {
        let m = model();
        let mut seen = vec![false; m.shapes.len()];
        let mut stack: Vec<usize> = m.operations.values().filter_map(|op| op.input).collect();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            match &m.shapes[i].kind {
                Kind::Structure(members) => stack.extend(members.iter().map(|mem| mem.target)),
                Kind::List { member, .. } => stack.push(*member),
                Kind::Map { key, value, .. } => stack.extend([*key, *value]),
                _ => {}
            }
        }
        for (i, shape) in m.shapes.iter().enumerate() {
            if seen[i] {
                assert!(
                    !m.unenforced.iter().any(|(name, _)| *name == shape.name),
                    "{} is an input shape with an unenforced pattern",
                    shape.name
                );
            }
        }
    }

    #[test]
    fn every_model_pattern_is_translated_or_listed() {
        let m = model();
        let mut enforced = 0;
        for shape in &m.shapes {
            if let Kind::String {
                pattern: Some(p), ..
            } = &shape.kind
            {
                if p.matcher.is_some() {
                    enforced += 1;
                } else {
                    assert!(m.unenforced.iter().any(|(_, src)| *src == p.source));
                }
            }
        }
        assert_eq!(enforced + m.unenforced.len(), 113);
    }
}
