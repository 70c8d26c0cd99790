//! YAML (CloudFormation templates) into the scenario layer's positioned [`Node`] tree.
//!
//! `yaml-rust2`'s event parser gives every node its line and column and keeps tags, so a
//! problem in a template is reported at `file:line:col` like one in a scenario file, and
//! CloudFormation's short-form intrinsics (`!Ref X`, `!GetAtt A.B`, `!Sub ...`) become their
//! long form (`{ "Ref": "X" }`, `{ "Fn::GetAtt": ["A", "B"] }`), the only form the resolver
//! in [`super::cloudformation`] knows. Anchors and aliases are expanded.

use crate::scenario::node::{Entry, Node, NodeKind, Pos};
use crate::scenario::Diagnostic;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::Yaml;

/// Parses YAML text (the first document) into a [`Node`] tree.
pub fn from_yaml(file: &str, text: &str) -> Result<Node, Diagnostic> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, false).map_err(|e| {
        let m = e.marker();
        Diagnostic::new(
            file,
            Pos {
                line: m.line() as u32,
                col: m.col() as u32 + 1,
            },
            "",
            format!("YAML syntax error: {}", e.info()),
        )
    })?;
    if let Some(message) = builder.error {
        return Err(Diagnostic::new(file, builder.error_pos, "", message));
    }
    builder.root.ok_or_else(|| {
        Diagnostic::new(
            file,
            Pos { line: 1, col: 1 },
            "",
            "the file holds no YAML document".into(),
        )
    })
}

/// A mapping or sequence being built, with the tag it was opened with.
enum Open {
    Map {
        pos: Pos,
        tag: Option<Tag>,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<(String, Pos)>,
    },
    Seq {
        pos: Pos,
        tag: Option<Tag>,
        anchor: usize,
        items: Vec<Node>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    anchors: std::collections::HashMap<usize, Node>,
    root: Option<Node>,
    error: Option<String>,
    error_pos: Pos,
}

fn pos_of(m: &Marker) -> Pos {
    Pos {
        line: m.line() as u32,
        col: m.col() as u32 + 1,
    }
}

/// The long form of a CloudFormation short-form tag: `!Ref` is `Ref`, `!GetAtt` (whose
/// scalar is `A.B`) is `Fn::GetAtt` with a list, the others `Fn::Name`.
fn intrinsic(tag: &Tag, value: Node) -> Node {
    let pos = value.pos;
    let name = tag.suffix.as_str();
    let key = if name == "Ref" || name == "Condition" {
        name.to_string()
    } else {
        format!("Fn::{name}")
    };
    let value = match (&value.kind, name) {
        (NodeKind::Str(s), "GetAtt") => {
            let (a, b) = s.split_once('.').unwrap_or((s.as_str(), ""));
            Node {
                kind: NodeKind::Array(vec![
                    Node {
                        kind: NodeKind::Str(a.to_string()),
                        pos,
                    },
                    Node {
                        kind: NodeKind::Str(b.to_string()),
                        pos,
                    },
                ]),
                pos,
            }
        }
        _ => value,
    };
    Node {
        kind: NodeKind::Table(vec![Entry {
            key,
            key_pos: pos,
            value,
        }]),
        pos,
    }
}

fn is_local(tag: &Option<Tag>) -> Option<&Tag> {
    tag.as_ref().filter(|t| t.handle == "!")
}

impl Builder {
    fn push(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map { entries, key, .. }) => match key.take() {
                None => match &node.kind {
                    NodeKind::Str(s) => *key = Some((s.clone(), node.pos)),
                    NodeKind::Int(i) => *key = Some((i.to_string(), node.pos)),
                    NodeKind::Bool(b) => *key = Some((b.to_string(), node.pos)),
                    _ => {
                        if self.error.is_none() {
                            self.error = Some("only text keys are supported in a mapping".into());
                            self.error_pos = node.pos;
                        }
                        *key = Some((String::new(), node.pos));
                    }
                },
                Some((k, key_pos)) => entries.push(Entry {
                    key: k,
                    key_pos,
                    value: node,
                }),
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = pos_of(&mark);
        match ev {
            Event::Scalar(v, style, anchor, tag) => {
                let kind = if style != TScalarStyle::Plain || tag.as_ref().is_some_and(|t| t.suffix == "str") {
                    NodeKind::Str(v)
                } else {
                    match Yaml::from_str(&v) {
                        Yaml::Integer(i) => NodeKind::Int(i),
                        Yaml::Real(r) => NodeKind::Float(r.parse().unwrap_or(f64::NAN)),
                        Yaml::Boolean(b) => NodeKind::Bool(b),
                        Yaml::Null => NodeKind::Null,
                        _ => NodeKind::Str(v),
                    }
                };
                let mut node = Node { kind, pos };
                if let Some(t) = is_local(&tag) {
                    node = intrinsic(t, node);
                }
                self.push(node, anchor);
            }
            Event::SequenceStart(anchor, tag) => self.stack.push(Open::Seq {
                pos,
                tag,
                anchor,
                items: Vec::new(),
            }),
            Event::MappingStart(anchor, tag) => self.stack.push(Open::Map {
                pos,
                tag,
                anchor,
                entries: Vec::new(),
                key: None,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, tag, anchor) = match self.stack.pop() {
                    Some(Open::Seq {
                        pos,
                        tag,
                        anchor,
                        items,
                    }) => (
                        Node {
                            kind: NodeKind::Array(items),
                            pos,
                        },
                        tag,
                        anchor,
                    ),
                    Some(Open::Map {
                        pos,
                        tag,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            kind: NodeKind::Table(entries),
                            pos,
                        },
                        tag,
                        anchor,
                    ),
                    None => return,
                };
                let node = match is_local(&tag) {
                    Some(t) => intrinsic(t, node),
                    None => node,
                };
                self.push(node, anchor);
            }
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().unwrap_or(Node {
                    kind: NodeKind::Null,
                    pos,
                });
                self.push(node, 0);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(n: &'a Node, key: &str) -> &'a Node {
        match &n.kind {
            NodeKind::Table(e) => &e.iter().find(|e| e.key == key).expect(key).value,
            _ => panic!("not a table"),
        }
    }

    #[test]
    fn short_form_intrinsics_become_long_form_with_positions() {
        let text = "Resources:\n  Svc:\n    Properties:\n      Cluster: !Ref Cluster\n      Role: !GetAtt Role.Arn\n      Name: !Sub '${AWS::StackName}-web'\n      Count: 3\n";
        let root = from_yaml("t.yaml", text).unwrap();
        let props = get(get(get(&root, "Resources"), "Svc"), "Properties");
        let cluster = get(props, "Cluster");
        assert!(matches!(&get(cluster, "Ref").kind, NodeKind::Str(s) if s == "Cluster"));
        // The value after the tag: `      Cluster: !Ref Cluster` has `Cluster` at column 21.
        assert_eq!(cluster.pos, Pos { line: 4, col: 21 });
        match &get(get(props, "Role"), "Fn::GetAtt").kind {
            NodeKind::Array(a) => assert!(
                matches!((&a[0].kind, &a[1].kind), (NodeKind::Str(x), NodeKind::Str(y)) if x == "Role" && y == "Arn")
            ),
            _ => panic!("GetAtt is a list"),
        }
        assert!(matches!(&get(get(props, "Name"), "Fn::Sub").kind, NodeKind::Str(s) if s == "${AWS::StackName}-web"));
        assert!(matches!(get(props, "Count").kind, NodeKind::Int(3)));
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let e = from_yaml("t.yaml", "a: [1, 2\nb: c\n").unwrap_err();
        assert!(e.to_string().contains("t.yaml:"), "{e}");
        assert!(e.to_string().contains("YAML syntax error"), "{e}");
    }
}
