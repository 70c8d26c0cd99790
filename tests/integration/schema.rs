//! The scenario schema's generated forms: the committed JSON Schema and field reference are
//! what the declaration generates; every example validates against the schema with an
//! independent validator (boon, a JSON Schema 2020-12 implementation unrelated to ecsim's
//! decoder); known-bad files are rejected by both; `$schema` is allowed.

use crate::common::*;
use ecsim::scenario::{self, fields};
use std::path::Path;

fn bless() -> bool {
    std::env::var_os("ECSIM_BLESS").is_some()
}

fn up_to_date(path: &str, generated: &str) {
    if bless() {
        std::fs::write(path, generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "{path} is out of date: regenerate it with `ecsim schema{}` (or ECSIM_BLESS=1 cargo test --test integration schema)",
        if path.ends_with(".md") { " --reference" } else { "" }
    );
}

#[test]
fn the_committed_schema_and_reference_are_what_the_declaration_generates() {
    up_to_date("docs/ecsim.schema.json", &fields::json_schema_text());
    up_to_date("docs/scenario-reference.md", &fields::reference_markdown());
}

/// A TOML scenario as the JSON value an editor validates (date-times become strings).
fn as_json(text: &str) -> serde_json::Value {
    let v: toml::Value = toml::from_str(text).unwrap();
    fn conv(v: toml::Value) -> serde_json::Value {
        match v {
            toml::Value::String(s) => s.into(),
            toml::Value::Integer(i) => i.into(),
            toml::Value::Float(f) => serde_json::json!(f),
            toml::Value::Boolean(b) => b.into(),
            toml::Value::Datetime(d) => d.to_string().into(),
            toml::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(conv).collect()),
            toml::Value::Table(t) => serde_json::Value::Object(t.into_iter().map(|(k, v)| (k, conv(v))).collect()),
        }
    }
    conv(v)
}

struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Validator {
    fn new() -> Self {
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string("docs/ecsim.schema.json").unwrap()).unwrap();
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.enable_format_assertions();
        compiler.add_resource("ecsim.schema.json", schema).unwrap();
        let index = compiler
            .compile("ecsim.schema.json", &mut schemas)
            .unwrap_or_else(|e| panic!("the schema does not compile: {e}"));
        Validator { schemas, index }
    }

    fn errors(&self, doc: &serde_json::Value) -> Option<String> {
        self.schemas.validate(doc, self.index).err().map(|e| format!("{e:#}"))
    }
}

#[test]
fn every_example_validates_against_the_schema() {
    let v = Validator::new();
    let files = example_files();
    assert!(files.len() >= 20);
    for f in files {
        let doc = as_json(&std::fs::read_to_string(&f).unwrap());
        if let Some(e) = v.errors(&doc) {
            panic!("{} does not validate against docs/ecsim.schema.json:\n{e}", f.display());
        }
    }
}

const BASE: &str = r#"
[scenario]
duration = "1h"
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 2
[[task_definitions]]
family = "w"
cpu = 256
memory = 256
[[services]]
name = "w"
task_definition = "w"
desired_count = 1
"#;

#[test]
fn known_bad_files_are_rejected_by_both_the_decoder_and_the_schema() {
    let v = Validator::new();
    assert!(v.errors(&as_json(BASE)).is_none(), "the base file is valid");
    scenario(BASE);
    let bad = [
        ("an unknown field", BASE.replace("desired_count = 1", "desired_count = 1\ndesired = 2")),
        ("a misspelt table", format!("{BASE}\n[clustr]\navailability_zones = [\"us-east-1a\"]\n")),
        ("a negative count", BASE.replace("count = 2", "count = -1")),
        ("a word outside its enum", BASE.replace("memory = 256\n", "memory = 256\nnetwork_mode = \"nat\"\n")),
        ("a missing required field", BASE.replace("task_definition = \"w\"\n", "")),
        ("a duration without a unit", BASE.replace("duration = \"1h\"", "duration = \"60\"")),
        ("a string where a number goes", BASE.replace("count = 2", "count = \"two\"")),
        ("an unknown fault type", format!("{BASE}\n[[faults]]\ntype = \"meteor\"\nat = \"10m\"\n")),
        ("a target capacity above 100", format!("{BASE}\n[[capacity_providers]]\nname = \"p\"\ninstance_group = \"g\"\nmanaged_scaling = {{ target_capacity = 101 }}\n")),
        ("a duration as a bare number", BASE.replace("duration = \"1h\"", "duration = 3600")),
    ];
    for (what, text) in bad {
        assert!(
            scenario::parse_str("bad.toml", &text, Path::new("tests/data"), "bad").is_err(),
            "the decoder accepts {what}"
        );
        assert!(
            v.errors(&as_json(&text)).is_some(),
            "the schema accepts {what}:\n{text}"
        );
    }
}

#[test]
fn a_json_scenario_may_name_its_schema() {
    // Editors find a JSON file's schema by its `$schema` key; the decoder accepts it (a
    // string) and ignores it.
    let text = r#"{ "$schema": "../docs/ecsim.schema.json", "scenario": { "duration": "1h" },
      "instance_groups": [{ "name": "g", "instance_type": "m5.large", "count": 1 }],
      "task_definitions": [{ "family": "w", "cpu": 256, "memory": 256 }],
      "services": [{ "name": "w", "task_definition": "w", "desired_count": 1 }] }"#;
    let sc = scenario::parse_str("s.json", text, Path::new("."), "s").unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(sc.services.len(), 1);
    let v = Validator::new();
    assert!(v.errors(&serde_json::from_str(text).unwrap()).is_none());
    let e = scenario::parse_str(
        "s.json",
        &text.replace("\"../docs/ecsim.schema.json\"", "3"),
        Path::new("."),
        "s",
    )
    .unwrap_err();
    assert!(e.to_string().contains("$schema"), "{e}");
}

#[test]
fn the_decoder_knows_exactly_the_declared_fields() {
    // Unknown-field hints list the declaration's keys: a wrong key in a service suggests
    // the declared one, and every declared service field is accepted as a key.
    let e = errors("t.toml", &BASE.replace("desired_count = 1", "desired_cont = 1"));
    assert!(e.contains("desired_count"), "{e}");
    for key in fields::keys(fields::SERVICE) {
        let e = match scenario::parse_str(
            "t.toml",
            &BASE.replace("desired_count = 1", &format!("desired_count = 1\n{key} = true")),
            Path::new("tests/data"),
            "t",
        ) {
            Ok(_) => continue,
            Err(d) => d.to_string(),
        };
        assert!(
            !e.contains("unknown field"),
            "services.{key} is declared but the decoder calls it unknown:\n{e}"
        );
    }
}

#[test]
fn the_readme_example_is_toml_1_0_and_valid() {
    // TOML 1.0 requires an inline table on one line (multi-line inline tables are TOML 1.1,
    // which TOML 1.0 tools reject): every `{` closes on its line.
    let readme = std::fs::read_to_string("README.md").unwrap();
    let at = readme.find("## Scenario files").unwrap();
    let start = readme[at..].find("```toml").unwrap() + at + "```toml".len();
    let end = readme[start..].find("```").unwrap() + start;
    let block = &readme[start..end];
    for (i, line) in block.lines().enumerate() {
        let code = line.split('#').next().unwrap_or("");
        assert_eq!(
            code.matches('{').count(),
            code.matches('}').count(),
            "README example line {}: an inline table spans lines",
            i + 1
        );
    }
    let sc = scenario(block);
    assert_eq!(sc.name, "web");
    assert!(Validator::new().errors(&as_json(block)).is_none());
}

/// Where a number sits in a document, and the range the declaration gives it.
struct Leaf {
    path: Vec<Step>,
    name: String,
    min: f64,
    max: f64,
    integer: bool,
}

#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn leaves(v: &toml::Value, ty: &fields::Ty, path: &mut Vec<Step>, name: &str, out: &mut Vec<Leaf>) {
    use fields::Ty;
    let table = |fs: &[fields::Field], t: &toml::Table, path: &mut Vec<Step>, out: &mut Vec<Leaf>| {
        for (k, x) in t {
            if let Some(f) = fs.iter().find(|f| f.name == k) {
                path.push(Step::Key(k.clone()));
                leaves(x, &f.ty, path, k, out);
                path.pop();
            }
        }
    };
    let tagged = |vs: &[fields::Variant], t: &toml::Table, path: &mut Vec<Step>, out: &mut Vec<Leaf>| {
        if let Some(tag) = t.get("type").and_then(|x| x.as_str()) {
            table(fields::variant(vs, tag), t, path, out);
        }
    };
    match (ty, v) {
        (Ty::Int(min, max), toml::Value::Integer(_)) if *max < i64::MAX => out.push(Leaf {
            path: path.clone(),
            name: name.to_string(),
            min: *min as f64,
            max: *max as f64,
            integer: true,
        }),
        (Ty::Number(min, max), toml::Value::Integer(_) | toml::Value::Float(_)) => out.push(Leaf {
            path: path.clone(),
            name: name.to_string(),
            min: *min,
            max: *max,
            integer: false,
        }),
        (Ty::Table(fs), toml::Value::Table(t)) => table(fs, t, path, out),
        (Ty::Tagged(vs), toml::Value::Table(t)) => tagged(vs, t, path, out),
        (Ty::Distribution, toml::Value::Table(t)) => tagged(fields::DISTRIBUTIONS, t, path, out),
        (Ty::Map(inner), toml::Value::Table(t)) => {
            for (k, x) in t {
                path.push(Step::Key(k.clone()));
                leaves(x, inner, path, name, out);
                path.pop();
            }
        }
        (Ty::Array(inner), toml::Value::Array(a)) => {
            for (i, x) in a.iter().enumerate() {
                path.push(Step::Index(i));
                leaves(x, inner, path, name, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn set(v: &mut toml::Value, path: &[Step], to: toml::Value) {
    match path.split_first() {
        None => *v = to,
        Some((Step::Key(k), rest)) => set(v.get_mut(k.as_str()).unwrap(), rest, to),
        Some((Step::Index(i), rest)) => set(v.get_mut(*i).unwrap(), rest, to),
    }
}

#[test]
fn the_decoder_rejects_every_example_number_just_outside_its_declared_range() {
    // So an editor using the schema never flags a value the simulator accepts: for every
    // number the examples set, one step beyond each declared bound is an error of the
    // decoder's too, naming the field.
    let mut checked = 0;
    let mut wrong = std::collections::BTreeSet::new();
    for f in example_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        let doc: toml::Value = toml::from_str(&text).unwrap();
        let mut found = Vec::new();
        leaves(&doc, &fields::Ty::Table(fields::TOP), &mut Vec::new(), "", &mut found);
        for leaf in found {
            for beyond in [
                leaf.min - 1.0_f64.max(leaf.min.abs()),
                leaf.max + 1.0_f64.max(leaf.max.abs()),
            ] {
                let value = if leaf.integer {
                    toml::Value::Integer(beyond as i64)
                } else {
                    toml::Value::Float(beyond)
                };
                let mut mutated = doc.clone();
                set(&mut mutated, &leaf.path, value);
                let mutated_text = toml::to_string(&mutated).unwrap();
                let base = f.parent().unwrap();
                match scenario::parse_str("mutated.toml", &mutated_text, base, "mutated") {
                    Ok(_) => {
                        wrong.insert(format!(
                            "{} = {beyond} is outside the declared range {}..={} but the decoder accepts it ({})",
                            leaf.name,
                            leaf.min,
                            leaf.max,
                            f.display()
                        ));
                    }
                    Err(d) if !d.to_string().contains(&leaf.name) => {
                        wrong.insert(format!("{} = {beyond}: the error does not name it: {d}", leaf.name));
                    }
                    Err(_) => {}
                }
                checked += 1;
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.into_iter().collect::<Vec<_>>().join("\n"));
    assert!(checked > 100, "only {checked} values checked");
}

#[test]
fn a_zone_name_must_be_a_zone_name() {
    // AWS zone names are letters, digits and '-' ("us-east-1a"); anything else would make the
    // ecs.availability-zone attribute unmatchable by memberOf (found by the fuzz test).
    let e = errors(
        "t.toml",
        &format!("{BASE}\n[cluster]\navailability_zones = [\"us east[1a\"]\n"),
    );
    assert!(
        e.contains("cluster.availability_zones[0]") && e.contains("is not a zone name"),
        "{e}"
    );
}
