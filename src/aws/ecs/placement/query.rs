//! The ECS cluster query language (ecs-semantics §1.5), used by `memberOf` constraints.
//!
//! ```text
//! expr    := or
//! or      := and (('or' | '||') and)*
//! and     := unary (('and' | '&&') unary)*
//! unary   := ('not' | '!') unary | '(' expr ')' | simple
//! simple  := subject operator [argument]
//! arg     := value | '[' value (',' value)* ']'
//! ```
//! Precedence `not` > `and` > `or` is not documented by AWS; it is the usual order (I).
//! Regular expressions use the `regex` crate's syntax, which covers the Java regexes ECS
//! documents except look-around and back-references (a documented deviation).

use regex::Regex;
use std::fmt;

/// A parse error with a 1-based column inside the expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

/// What a simple expression talks about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    Attribute(String),
    TaskGroup,
    AgentConnected,
    AgentVersion,
    Ec2InstanceId,
    RegisteredAt,
    RunningTasksCount,
}

impl Subject {
    fn name(&self) -> String {
        match self {
            Subject::Attribute(a) => format!("attribute:{a}"),
            Subject::TaskGroup => "task:group".into(),
            Subject::AgentConnected => "agentConnected".into(),
            Subject::AgentVersion => "agentVersion".into(),
            Subject::Ec2InstanceId => "ec2InstanceId".into(),
            Subject::RegisteredAt => "registeredAt".into(),
            Subject::RunningTasksCount => "runningTasksCount".into(),
        }
    }

    /// Operators the documentation lists for each subject.
    fn allows(&self, op: Op) -> bool {
        use Op::*;
        match self {
            Subject::Attribute(_) => true,
            Subject::TaskGroup => matches!(op, Eq | Ne | In | NotIn | Matches | NotMatches | Exists | NotExists),
            Subject::AgentConnected | Subject::Ec2InstanceId => {
                matches!(op, Eq | Ne | In | NotIn | Matches | NotMatches)
            }
            Subject::AgentVersion | Subject::RegisteredAt | Subject::RunningTasksCount => {
                matches!(op, Eq | Ne | Gt | Ge | Lt | Le)
            }
        }
    }
}

const SUBJECTS: [&str; 7] = [
    "attribute:",
    "task:group",
    "agentConnected",
    "agentVersion",
    "ec2InstanceId",
    "registeredAt",
    "runningTasksCount",
];

/// Comparison operators; each has a symbol and a word spelling.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Exists,
    NotExists,
    In,
    NotIn,
    Matches,
    NotMatches,
}

const OP_WORDS: [(&str, Op); 18] = [
    ("==", Op::Eq),
    ("equals", Op::Eq),
    ("!=", Op::Ne),
    ("not_equals", Op::Ne),
    (">", Op::Gt),
    ("greater_than", Op::Gt),
    (">=", Op::Ge),
    ("greater_than_equal", Op::Ge),
    ("<", Op::Lt),
    ("less_than", Op::Lt),
    ("<=", Op::Le),
    ("less_than_equal", Op::Le),
    ("exists", Op::Exists),
    ("not_exists", Op::NotExists),
    ("in", Op::In),
    ("not_in", Op::NotIn),
    ("matches", Op::Matches),
    ("not_matches", Op::NotMatches),
];

fn op_from_word(w: &str) -> Option<Op> {
    match w {
        "=~" => Some(Op::Matches),
        "!~" => Some(Op::NotMatches),
        "!exists" => Some(Op::NotExists),
        "!in" => Some(Op::NotIn),
        _ => OP_WORDS.iter().find(|(s, _)| *s == w).map(|(_, o)| *o),
    }
}

/// The right-hand side of a simple expression, checked and pre-parsed for its subject.
#[derive(Clone, Debug)]
pub enum Arg {
    None,
    Value(String),
    List(Vec<String>),
    Regex(Regex),
    /// `registeredAt` argument, as milliseconds since the Unix epoch.
    Timestamp(i64),
    Number(f64),
    Version(Vec<u64>),
}

/// One `subject operator argument` test.
#[derive(Clone, Debug)]
pub struct Condition {
    pub subject: Subject,
    pub op: Op,
    pub arg: Arg,
}

/// A parsed expression.
#[derive(Clone, Debug)]
pub enum Expr {
    Cond(Condition),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

/// What an expression can ask about one container instance.
pub trait InstanceFacts {
    fn attribute(&self, name: &str) -> Option<&str>;
    /// Names of the task groups with at least one task on the instance.
    fn task_groups(&self) -> Vec<&str>;
    fn agent_connected(&self) -> bool;
    fn agent_version(&self) -> &str;
    fn ec2_instance_id(&self) -> String;
    fn registered_at_epoch_ms(&self) -> i64;
    fn running_tasks_count(&self) -> u32;
}

impl Expr {
    /// The `attribute:` names the expression asks about, in order of appearance.
    pub fn attribute_names(&self) -> Vec<&str> {
        match self {
            Expr::Cond(c) => match &c.subject {
                Subject::Attribute(a) => vec![a.as_str()],
                _ => Vec::new(),
            },
            Expr::Not(e) => e.attribute_names(),
            Expr::And(a, b) | Expr::Or(a, b) => {
                let mut v = a.attribute_names();
                v.extend(b.attribute_names());
                v
            }
        }
    }

    /// Evaluates the expression for one instance.
    pub fn eval(&self, f: &dyn InstanceFacts) -> bool {
        match self {
            Expr::Cond(c) => c.eval(f),
            Expr::Not(e) => !e.eval(f),
            Expr::And(a, b) => a.eval(f) && b.eval(f),
            Expr::Or(a, b) => a.eval(f) || b.eval(f),
        }
    }

    /// Attribute names the expression reads.
    pub fn attributes(&self, out: &mut Vec<String>) {
        match self {
            Expr::Cond(c) => {
                if let Subject::Attribute(a) = &c.subject {
                    out.push(a.clone());
                }
            }
            Expr::Not(e) => e.attributes(out),
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.attributes(out);
                b.attributes(out);
            }
        }
    }
}

fn compare<T: PartialOrd>(op: Op, a: T, b: T) -> bool {
    match op {
        Op::Eq => a == b,
        Op::Ne => a != b,
        Op::Gt => a > b,
        Op::Ge => a >= b,
        Op::Lt => a < b,
        Op::Le => a <= b,
        _ => false,
    }
}

fn string_test(op: Op, arg: &Arg, value: Option<&str>) -> bool {
    match (op, arg, value) {
        (Op::Exists, _, v) => v.is_some(),
        (Op::NotExists, _, v) => v.is_none(),
        (Op::Ne, Arg::Value(a), v) => v != Some(a.as_str()),
        (Op::NotIn, Arg::List(l), v) => v.is_none_or(|v| !l.iter().any(|x| x == v)),
        (Op::NotMatches, Arg::Regex(r), v) => v.is_none_or(|v| !r.is_match(v)),
        (_, _, None) => false,
        (Op::Eq, Arg::Value(a), Some(v)) => v == a,
        (Op::In, Arg::List(l), Some(v)) => l.iter().any(|x| x == v),
        (Op::Matches, Arg::Regex(r), Some(v)) => r.is_match(v),
        (op, Arg::Value(a), Some(v)) => match (v.parse::<f64>(), a.parse::<f64>()) {
            (Ok(x), Ok(y)) => compare(op, x, y),
            _ => compare(op, v, a.as_str()),
        },
        _ => false,
    }
}

fn parse_version(s: &str) -> Option<Vec<u64>> {
    let s = s.strip_prefix('v').unwrap_or(s);
    s.split('.').map(|p| p.parse().ok()).collect()
}

impl Condition {
    fn eval(&self, f: &dyn InstanceFacts) -> bool {
        match &self.subject {
            Subject::Attribute(name) => string_test(self.op, &self.arg, f.attribute(name)),
            Subject::TaskGroup => {
                let groups = f.task_groups();
                let any = |pred: &dyn Fn(&str) -> bool| groups.iter().any(|g| pred(g));
                match (&self.op, &self.arg) {
                    (Op::Eq, Arg::Value(a)) => any(&|g| g == a),
                    (Op::Ne, Arg::Value(a)) => !any(&|g| g == a),
                    (Op::In, Arg::List(l)) => any(&|g| l.iter().any(|x| x == g)),
                    (Op::NotIn, Arg::List(l)) => !any(&|g| l.iter().any(|x| x == g)),
                    (Op::Matches, Arg::Regex(r)) => any(&|g| r.is_match(g)),
                    (Op::NotMatches, Arg::Regex(r)) => !any(&|g| r.is_match(g)),
                    (Op::Exists, _) => !groups.is_empty(),
                    (Op::NotExists, _) => groups.is_empty(),
                    _ => false,
                }
            }
            Subject::AgentConnected => {
                let v = if f.agent_connected() { "true" } else { "false" };
                string_test(self.op, &self.arg, Some(v))
            }
            Subject::Ec2InstanceId => string_test(self.op, &self.arg, Some(&f.ec2_instance_id())),
            Subject::AgentVersion => match (&self.arg, parse_version(f.agent_version())) {
                (Arg::Version(want), Some(have)) => compare(self.op, have, want.clone()),
                _ => false,
            },
            Subject::RegisteredAt => match self.arg {
                Arg::Timestamp(t) => compare(self.op, f.registered_at_epoch_ms(), t),
                _ => false,
            },
            Subject::RunningTasksCount => match self.arg {
                Arg::Number(n) => compare(self.op, f64::from(f.running_tasks_count()), n),
                _ => false,
            },
        }
    }
}

// ---------------------------------------------------------------- lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    /// `!` on its own, or the word `not`.
    Not,
    And,
    Or,
    /// An operator symbol (`==`, `!=`, `>=`, `=~`, `!exists`, ...).
    Sym(String),
    Word(String),
}

/// Splits an expression into tokens, each with its 1-based column.
fn lex(src: &str) -> Result<Vec<(usize, Tok)>, QueryError> {
    let mut lexer = Lexer {
        chars: src.chars().collect(),
        i: 0,
        out: Vec::new(),
    };
    while let Some(&c) = lexer.chars.get(lexer.i) {
        let col = lexer.i + 1;
        if c.is_whitespace() {
            lexer.i += 1;
            continue;
        }
        let tok = if lexer.after_match_operator() {
            lexer.regex()
        } else if let Some(t) = punctuation(c) {
            lexer.i += 1;
            t
        } else if let Some(t) = lexer.logical(c) {
            t
        } else if matches!(c, '=' | '!' | '<' | '>') {
            lexer.operator(c, col)?
        } else if c == '\'' || c == '"' {
            lexer.quoted(c, col)?
        } else {
            lexer.word()
        };
        lexer.out.push((col, tok));
    }
    Ok(lexer.out)
}

/// A bracket, parenthesis or comma.
fn punctuation(c: char) -> Option<Tok> {
    match c {
        '(' => Some(Tok::LParen),
        ')' => Some(Tok::RParen),
        '[' => Some(Tok::LBracket),
        ']' => Some(Tok::RBracket),
        ',' => Some(Tok::Comma),
        _ => None,
    }
}

/// The lexer's state: the characters, the position of the next one and the tokens so far
/// (a regular expression is recognised by the operator before it).
struct Lexer {
    chars: Vec<char>,
    i: usize,
    out: Vec<(usize, Tok)>,
}

impl Lexer {
    fn after_match_operator(&self) -> bool {
        matches!(self.out.last(), Some((_, Tok::Sym(s))) if s == "=~" || s == "!~")
            || matches!(self.out.last(), Some((_, Tok::Word(w))) if w == "matches" || w == "not_matches")
    }

    /// A regular expression may contain brackets and parentheses: the whole run up to
    /// whitespace, minus closing parentheses that close an enclosing group.
    fn regex(&mut self) -> Tok {
        let chars = &self.chars;
        let start = self.i;
        let mut end = start;
        while end < chars.len() && !chars[end].is_whitespace() {
            end += 1;
        }
        let opens = chars[start..end].iter().filter(|c| **c == '(').count();
        let mut closes = chars[start..end].iter().filter(|c| **c == ')').count();
        while end > start && chars[end - 1] == ')' && closes > opens {
            end -= 1;
            closes -= 1;
        }
        self.i = end;
        Tok::Word(chars[start..end].iter().collect())
    }

    /// `&&` or `||`.
    fn logical(&mut self, c: char) -> Option<Tok> {
        let tok = match (c, self.chars.get(self.i + 1)) {
            ('&', Some('&')) => Tok::And,
            ('|', Some('|')) => Tok::Or,
            _ => return None,
        };
        self.i += 2;
        Some(tok)
    }

    /// An operator that starts with `=`, `!`, `<` or `>`: `==`, `!=`, `>=`, `<=`, `=~`,
    /// `!~`, `!exists`, `!in`, `!` (not), `>` and `<`.
    fn operator(&mut self, c: char, col: usize) -> Result<Tok, QueryError> {
        let chars = &self.chars;
        let two: String = chars[self.i..(self.i + 2).min(chars.len())].iter().collect();
        if ["==", "!=", ">=", "<=", "=~", "!~"].contains(&two.as_str()) {
            self.i += 2;
            return Ok(Tok::Sym(two));
        }
        match c {
            '!' => {
                let rest: String = chars[self.i + 1..].iter().collect();
                let word_end = |w: &str| {
                    rest.starts_with(w)
                        && rest[w.len()..]
                            .chars()
                            .next()
                            .is_none_or(|c| c.is_whitespace() || "()[],".contains(c))
                };
                let (tok, len) = if word_end("exists") {
                    (Tok::Sym("!exists".into()), 7)
                } else if word_end("in") {
                    (Tok::Sym("!in".into()), 3)
                } else {
                    (Tok::Not, 1)
                };
                self.i += len;
                Ok(tok)
            }
            '>' | '<' => {
                self.i += 1;
                Ok(Tok::Sym(c.to_string()))
            }
            _ => Err(QueryError {
                column: col,
                message: format!("unexpected '{c}'"),
                hint: Some("did you mean \"==\"?".into()),
            }),
        }
    }

    /// A value in single or double quotes (`quote`), without them.
    fn quoted(&mut self, quote: char, col: usize) -> Result<Tok, QueryError> {
        let start = self.i + 1;
        let Some(len) = self.chars[start..].iter().position(|c| *c == quote) else {
            return Err(QueryError {
                column: col,
                message: "unterminated quoted value".into(),
                hint: Some(format!("close it with {quote}")),
            });
        };
        self.i = start + len + 1;
        Ok(Tok::Word(self.chars[start..start + len].iter().collect()))
    }

    /// A bare word up to whitespace or punctuation; `and`, `or` and `not` are operators.
    fn word(&mut self) -> Tok {
        let start = self.i;
        while self.i < self.chars.len()
            && !self.chars[self.i].is_whitespace()
            && !"()[],=!<>".contains(self.chars[self.i])
        {
            self.i += 1;
        }
        let w: String = self.chars[start..self.i].iter().collect();
        match w.as_str() {
            "and" => Tok::And,
            "or" => Tok::Or,
            "not" => Tok::Not,
            _ => Tok::Word(w),
        }
    }
}

// ---------------------------------------------------------------- parser

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end_col: usize,
}

/// Parses a cluster query expression.
pub fn parse(src: &str) -> Result<Expr, QueryError> {
    if src.chars().count() > 2000 {
        return Err(QueryError {
            column: 2001,
            message: "expression is longer than 2000 characters, the ECS limit".into(),
            hint: None,
        });
    }
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        end_col: src.chars().count() + 1,
    };
    if p.toks.is_empty() {
        return Err(p.err(
            "empty expression",
            Some("write e.g. attribute:ecs.instance-type =~ m5.*"),
        ));
    }
    let e = p.or()?;
    if let Some((col, t)) = p.toks.get(p.pos) {
        return Err(QueryError {
            column: *col,
            message: format!("unexpected {} after a complete expression", describe(t)),
            hint: Some("join expressions with `and` or `or`".into()),
        });
    }
    Ok(e)
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::LBracket => "'['".into(),
        Tok::RBracket => "']'".into(),
        Tok::Comma => "','".into(),
        Tok::Not => "'not'".into(),
        Tok::And => "'and'".into(),
        Tok::Or => "'or'".into(),
        Tok::Sym(s) => format!("operator '{s}'"),
        Tok::Word(w) => format!("'{w}'"),
    }
}

impl Parser {
    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |t| t.0)
    }

    fn err(&self, msg: &str, hint: Option<&str>) -> QueryError {
        QueryError {
            column: self.col(),
            message: msg.to_string(),
            hint: hint.map(str::to_string),
        }
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.1)
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|t| t.1.clone());
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.unary()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        match self.peek() {
            Some(Tok::Not) => {
                self.pos += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some(Tok::LParen) => {
                self.pos += 1;
                let e = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(self.err("expected ')'", Some("every '(' needs a matching ')'")));
                }
                self.pos += 1;
                Ok(e)
            }
            Some(Tok::Word(_)) => self.simple(),
            Some(t) => {
                let d = describe(t);
                Err(self.err(&format!("expected a subject, found {d}"), Some(SUBJECT_HINT)))
            }
            None => Err(self.err("expression ends where a subject was expected", Some(SUBJECT_HINT))),
        }
    }

    fn simple(&mut self) -> Result<Expr, QueryError> {
        let subj_col = self.col();
        let Some(Tok::Word(w)) = self.bump() else {
            unreachable!("simple() is only called on a word")
        };
        let subject = parse_subject(&w).map_err(|(m, h)| QueryError {
            column: subj_col,
            message: m,
            hint: h,
        })?;
        let op_col = self.col();
        let op = match self.bump() {
            Some(Tok::Sym(s)) | Some(Tok::Word(s)) => op_from_word(&s).ok_or_else(|| QueryError {
                column: op_col,
                message: format!("unknown operator '{s}'"),
                hint: suggest(&s, OP_WORDS.iter().map(|(w, _)| *w)),
            })?,
            Some(t) => {
                return Err(QueryError {
                    column: op_col,
                    message: format!("expected an operator after {}, found {}", subject.name(), describe(&t)),
                    hint: Some("operators: == != > >= < <= exists !exists in not_in =~ !~".into()),
                })
            }
            None => {
                return Err(QueryError {
                    column: op_col,
                    message: format!("expected an operator after {}", subject.name()),
                    hint: Some("operators: == != > >= < <= exists !exists in not_in =~ !~".into()),
                })
            }
        };
        if !subject.allows(op) {
            return Err(QueryError {
                column: op_col,
                message: format!("operator {op:?} is not valid for subject {}", subject.name()),
                hint: Some(allowed_ops_hint(&subject)),
            });
        }
        let arg_col = self.col();
        let arg = match op {
            Op::Exists | Op::NotExists => Arg::None,
            Op::In | Op::NotIn => Arg::List(self.list()?),
            _ => {
                let v = match self.bump() {
                    Some(Tok::Word(v)) => v,
                    _ => {
                        self.pos -= 1;
                        return Err(self.err(&format!("expected a value after {}", subject.name()), None));
                    }
                };
                typed_arg(&subject, op, v).map_err(|m| QueryError {
                    column: arg_col,
                    message: m,
                    hint: None,
                })?
            }
        };
        Ok(Expr::Cond(Condition { subject, op, arg }))
    }

    fn list(&mut self) -> Result<Vec<String>, QueryError> {
        if self.peek() != Some(&Tok::LBracket) {
            return Err(self.err(
                "expected a list like [a, b]",
                Some("`in` and `not_in` take a list in brackets"),
            ));
        }
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            match self.bump() {
                Some(Tok::Word(v)) => items.push(v),
                _ => {
                    self.pos -= 1;
                    return Err(self.err("expected a list value", None));
                }
            }
            match self.bump() {
                Some(Tok::Comma) => continue,
                Some(Tok::RBracket) => return Ok(items),
                _ => {
                    self.pos -= 1;
                    return Err(self.err("expected ',' or ']' in list", None));
                }
            }
        }
    }
}

const SUBJECT_HINT: &str =
    "subjects: attribute:NAME, task:group, agentConnected, agentVersion, ec2InstanceId, registeredAt, runningTasksCount";

fn allowed_ops_hint(s: &Subject) -> String {
    let ops: Vec<&str> = OP_WORDS
        .iter()
        .filter(|(w, o)| !w.chars().next().unwrap().is_alphabetic() && s.allows(*o))
        .map(|(w, _)| *w)
        .collect();
    format!("{} takes {}", s.name(), ops.join(" "))
}

fn parse_subject(w: &str) -> Result<Subject, (String, Option<String>)> {
    if let Some(a) = w.strip_prefix("attribute:") {
        if a.is_empty() || a.len() > 128 {
            return Err(("attribute name must be 1 to 128 characters".into(), None));
        }
        return Ok(Subject::Attribute(a.to_string()));
    }
    Ok(match w {
        "task:group" => Subject::TaskGroup,
        "agentConnected" => Subject::AgentConnected,
        "agentVersion" => Subject::AgentVersion,
        "ec2InstanceId" => Subject::Ec2InstanceId,
        "registeredAt" => Subject::RegisteredAt,
        "runningTasksCount" => Subject::RunningTasksCount,
        _ => {
            let hint = suggest(w.find(':').map_or(w, |c| &w[..=c]), SUBJECTS.iter().copied())
                .or_else(|| Some(SUBJECT_HINT.to_string()));
            return Err((format!("unknown subject '{w}'"), hint));
        }
    })
}

fn typed_arg(subject: &Subject, op: Op, v: String) -> Result<Arg, String> {
    if matches!(op, Op::Matches | Op::NotMatches) {
        let anchored = format!("^(?:{v})$");
        return Regex::new(&anchored).map(Arg::Regex).map_err(|e| {
            format!(
                "invalid regular expression '{v}': {}",
                e.to_string().lines().last().unwrap_or("")
            )
        });
    }
    match subject {
        Subject::RegisteredAt => parse_timestamp(&v)
            .map(Arg::Timestamp)
            .ok_or_else(|| format!("'{v}' is not a date; use 2018-06-18T22:28:28Z, 2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28 or 2018-06-18")),
        Subject::RunningTasksCount => v
            .parse::<f64>()
            .map(Arg::Number)
            .map_err(|_| format!("'{v}' is not a number")),
        Subject::AgentVersion => parse_version(&v)
            .map(Arg::Version)
            .ok_or_else(|| format!("'{v}' is not a version like 1.70.0")),
        _ => Ok(Arg::Value(v)),
    }
}

/// Parses the four `registeredAt` date forms to epoch milliseconds (no zone means UTC).
pub fn parse_timestamp(v: &str) -> Option<i64> {
    if let Ok(ts) = v.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    if let Ok(dt) = v.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp().as_millisecond());
    }
    if let Ok(d) = v.parse::<jiff::civil::Date>() {
        return d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp().as_millisecond());
    }
    None
}

/// `did you mean "x"?` for the closest candidate, when it is close enough: a few edits away
/// (transpositions count as one), or sharing a long prefix.
pub fn suggest<'a>(got: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let g = got.to_lowercase();
    let max_edits = match g.chars().count() {
        0..=3 => 1,
        4..=6 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, f64, &str)> = None;
    for c in candidates {
        let lc = c.to_lowercase();
        let edits = strsim::damerau_levenshtein(&g, &lc);
        let similarity = strsim::jaro_winkler(&g, &lc);
        if edits <= max_edits || similarity > 0.85 {
            let better = best.is_none_or(|(e, s, _)| (edits, -similarity) < (e, -s));
            if better {
                best = Some((edits, similarity, c));
            }
        }
    }
    best.map(|(_, _, c)| format!("did you mean \"{c}\"?"))
}
