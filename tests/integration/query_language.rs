//! The cluster query language: every operator (symbol and word), every subject, compound
//! expressions and precedence, and malformed expressions.

use ecsim::aws::ecs::placement::query::{parse, parse_timestamp, InstanceFacts};

/// A hand-made instance: m5.large in us-east-1a, custom attribute `team = payments`,
/// running one task of `service:web` and one of `family:etl`, 2 tasks in all.
struct Facts;

impl InstanceFacts for Facts {
    fn attribute(&self, name: &str) -> Option<&str> {
        match name {
            "ecs.instance-type" => Some("m5.large"),
            "ecs.availability-zone" => Some("us-east-1a"),
            "team" => Some("payments"),
            "size" => Some("10"),
            _ => None,
        }
    }
    fn task_groups(&self) -> Vec<&str> {
        vec!["family:etl", "service:web"]
    }
    fn agent_connected(&self) -> bool {
        true
    }
    fn agent_version(&self) -> &str {
        "1.70.2"
    }
    fn ec2_instance_id(&self) -> String {
        "i-00000007".into()
    }
    fn registered_at_epoch_ms(&self) -> i64 {
        parse_timestamp("2024-01-01T00:00:00Z").unwrap()
    }
    fn running_tasks_count(&self) -> u32 {
        2
    }
}

fn eval(e: &str) -> bool {
    parse(e).unwrap_or_else(|err| panic!("{e}: {err}")).eval(&Facts)
}

#[test]
fn equality_operators_symbol_and_word() {
    assert!(eval("attribute:ecs.instance-type == m5.large"));
    assert!(eval("attribute:ecs.instance-type equals m5.large"));
    assert!(!eval("attribute:ecs.instance-type == c5.large"));
    assert!(eval("attribute:ecs.instance-type != c5.large"));
    assert!(eval("attribute:ecs.instance-type not_equals c5.large"));
    assert!(!eval("attribute:ecs.instance-type != m5.large"));
}

#[test]
fn ordering_operators_symbol_and_word() {
    assert!(eval("runningTasksCount > 1"));
    assert!(eval("runningTasksCount greater_than 1"));
    assert!(!eval("runningTasksCount > 2"));
    assert!(eval("runningTasksCount >= 2"));
    assert!(eval("runningTasksCount greater_than_equal 2"));
    assert!(eval("runningTasksCount < 3"));
    assert!(eval("runningTasksCount less_than 3"));
    assert!(!eval("runningTasksCount < 2"));
    assert!(eval("runningTasksCount <= 2"));
    assert!(eval("runningTasksCount less_than_equal 2"));
    assert!(eval("runningTasksCount == 2"));
    // Attribute ordering compares numbers as numbers (10 > 9, although "10" < "9" as text).
    assert!(eval("attribute:size > 9"));
}

#[test]
fn exists_operators() {
    assert!(eval("attribute:team exists"));
    assert!(!eval("attribute:gpu exists"));
    assert!(eval("attribute:gpu !exists"));
    assert!(eval("attribute:gpu not_exists"));
    assert!(!eval("attribute:team not_exists"));
}

#[test]
fn list_operators() {
    assert!(eval("attribute:ecs.instance-type in [c5.large, m5.large]"));
    assert!(!eval("attribute:ecs.instance-type in [c5.large, r5.large]"));
    assert!(eval("attribute:ecs.instance-type !in [c5.large, r5.large]"));
    assert!(eval("attribute:ecs.instance-type not_in [c5.large,r5.large]"));
    assert!(!eval("attribute:ecs.instance-type not_in [m5.large]"));
    assert!(eval("ec2InstanceId in ['i-00000007', 'i-00000009']"));
}

#[test]
fn regex_operators() {
    assert!(eval("attribute:ecs.instance-type =~ m5.*"));
    assert!(eval("attribute:ecs.instance-type matches m5\\..*"));
    assert!(!eval("attribute:ecs.instance-type =~ t2.*"));
    assert!(eval("attribute:ecs.instance-type !~ t2.*"));
    assert!(eval("attribute:ecs.instance-type not_matches t2.*"));
    // The whole value must match, as with Java's String.matches.
    assert!(!eval("attribute:ecs.instance-type =~ m5"));
}

#[test]
fn every_subject() {
    assert!(eval("task:group == service:web"));
    assert!(!eval("task:group == service:db"));
    assert!(eval("not(task:group == database)"));
    assert!(eval("task:group in [service:db, family:etl]"));
    assert!(eval("task:group =~ service:.*"));
    assert!(eval("agentConnected == true"));
    assert!(!eval("agentConnected == false"));
    assert!(eval("agentVersion >= 1.70.0"));
    assert!(eval("agentVersion < 1.100.0"), "versions compare numerically per part");
    assert!(eval("ec2InstanceId == i-00000007"));
    assert!(eval("ec2InstanceId =~ i-0+7"));
    assert!(eval("registeredAt < 2024-06-01"));
    assert!(eval("registeredAt >= 2023-12-31T23:00:00+00:00"));
    assert!(eval("registeredAt == 2024-01-01T00:00:00Z"));
    assert!(eval("registeredAt <= 2024-01-01T00:00:00"));
}

#[test]
fn compound_expressions_and_precedence() {
    assert!(eval(
        "attribute:team == payments and attribute:ecs.availability-zone == us-east-1a"
    ));
    assert!(eval("attribute:team == payments && runningTasksCount == 2"));
    assert!(eval("attribute:team == x or attribute:team == payments"));
    assert!(eval("attribute:team == x || attribute:team == payments"));
    assert!(eval("!(attribute:team == x)"));
    assert!(eval("not attribute:team == x"));
    // `and` binds tighter than `or`: true or (false and false) = true.
    assert!(eval(
        "attribute:team == payments or attribute:team == x and attribute:team == y"
    ));
    // Parentheses override: (true or false) and false = false.
    assert!(!eval(
        "(attribute:team == payments or attribute:team == x) and attribute:team == y"
    ));
    // `not` binds tighter than `and`: (not false) and true = true.
    assert!(eval("not attribute:team == x and attribute:team == payments"));
}

fn err(e: &str) -> (usize, String) {
    match parse(e) {
        Ok(_) => panic!("`{e}` parsed but should not"),
        Err(q) => (q.column, format!("{q}")),
    }
}

#[test]
fn malformed_expressions_are_rejected_with_a_column() {
    let (col, msg) = err("attribute:ecs.instance-type =~");
    assert_eq!(col, 31, "{msg}");
    assert!(msg.contains("expected a value"), "{msg}");

    let (col, msg) = err("atribute:team == x");
    assert_eq!(col, 1);
    assert!(
        msg.contains("unknown subject") && msg.contains("did you mean \"attribute:\""),
        "{msg}"
    );

    let (_, msg) = err("attribute:team equal x");
    assert!(
        msg.contains("unknown operator 'equal'") && msg.contains("equals"),
        "{msg}"
    );

    let (col, msg) = err("(attribute:team == x");
    assert_eq!(col, 21, "{msg}");
    assert!(msg.contains("expected ')'"), "{msg}");

    let (_, msg) = err("attribute:team in a, b");
    assert!(msg.contains("list"), "{msg}");

    let (_, msg) = err("attribute:team in [a, b");
    assert!(msg.contains("expected ',' or ']'"), "{msg}");

    let (_, msg) = err("attribute:team =~ [unclosed");
    assert!(msg.contains("invalid regular expression"), "{msg}");

    let (_, msg) = err("registeredAt > yesterday");
    assert!(msg.contains("not a date"), "{msg}");

    let (_, msg) = err("runningTasksCount > many");
    assert!(msg.contains("not a number"), "{msg}");

    let (_, msg) = err("runningTasksCount =~ 1.*");
    assert!(msg.contains("not valid for subject runningTasksCount"), "{msg}");

    let (_, msg) = err("attribute:team == x attribute:team == y");
    assert!(msg.contains("after a complete expression"), "{msg}");

    let (_, msg) = err("   ");
    assert!(msg.contains("empty"), "{msg}");

    let (_, msg) = err("attribute:team == x and");
    assert!(msg.contains("subject"), "{msg}");

    let (_, msg) = err("attribute:team = x");
    assert!(msg.contains("=="), "{msg}");

    // A quote opened at column 19 and never closed.
    let (col, msg) = err("attribute:team == 'payments");
    assert_eq!(col, 19, "{msg}");
    assert!(
        msg.contains("unterminated quoted value") && msg.contains("close it with '"),
        "{msg}"
    );
    assert!(eval("attribute:team == \"payments\""));

    let long = format!("attribute:team == {}", "x".repeat(2000));
    assert!(err(&long).1.contains("2000"));
}

#[test]
fn regular_expressions_may_contain_brackets_and_groups() {
    assert!(eval("attribute:ecs.instance-type =~ [cm]5\\..*"));
    assert!(eval("attribute:ecs.instance-type =~ (m5|c5).large"));
    assert!(eval(
        "(attribute:ecs.instance-type =~ (m5|c5).large) and attribute:team == payments"
    ));
    assert!(eval("(attribute:ecs.instance-type =~ m5.*)"));
}
