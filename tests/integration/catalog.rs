//! The embedded EC2 catalog in scenarios: any of its 1,348 types by name, priced for
//! `pricing.region` (embedded prices or a prices file), overridden field by field by
//! `[[instance_types]]`, and listed by `ecsim catalog`. Expected figures are the catalog's
//! published ones (src/aws/ec2_autoscaling/catalog/PROVENANCE.md).

use crate::common::*;

/// One instance of `ty` for an hour, a one-task service, and `extra` appended.
fn one_instance(ty: &str, extra: &str) -> String {
    format!(
        r#"
[scenario]
duration = "1h"
[[instance_groups]]
name = "g"
instance_type = "{ty}"
count = 1
[[task_definitions]]
family = "w"
cpu = 256
memory = 256
[[services]]
name = "w"
task_definition = "w"
desired_count = 1
{extra}
"#
    )
}

#[test]
fn a_graviton_type_from_the_catalog_registers_arm64_and_costs_its_price() {
    // m7g.large: arm64, $0.0816 an hour in us-east-1; a memberOf on ecs.cpu-architecture
    // finds it (ECS's attribute takes "x86_64" and "arm64").
    let text = one_instance("m7g.large", "").replace(
        "desired_count = 1",
        "desired_count = 1\nplacement_constraints = [{ type = \"memberOf\", expression = \"attribute:ecs.cpu-architecture == arm64\" }]",
    );
    let (r, _) = run_checked(&scenario(&text));
    assert_eq!(r.summary.tasks_running_at_end, 1);
    assert!(
        (r.summary.cost_ec2_usd - 0.0816).abs() < 1e-9,
        "{}",
        r.summary.cost_ec2_usd
    );
}

#[test]
fn the_region_chooses_the_embedded_price() {
    // GovCloud (US-West) m5.large: $0.121 an hour (catalog snapshot of 2026-07-20).
    let (r, _) = run_checked(&scenario(&one_instance(
        "m5.large",
        "[pricing]\nregion = \"us-gov-west-1\"",
    )));
    assert!(
        (r.summary.cost_ec2_usd - 0.121).abs() < 1e-9,
        "{}",
        r.summary.cost_ec2_usd
    );
}

#[test]
fn a_prices_file_prices_another_region_and_a_missing_price_is_an_error() {
    let text = one_instance(
        "m5.large",
        "[pricing]\nregion = \"eu-west-1\"\nprices_file = \"prices-eu-west-1.csv\"",
    );
    let (r, _) = run_checked(&scenario(&text));
    assert!(
        (r.summary.cost_ec2_usd - 0.107).abs() < 1e-9,
        "{}",
        r.summary.cost_ec2_usd
    );
    let e = errors("p.toml", &text.replace("m5.large", "c5.large"));
    assert!(
        e.contains("pricing.region: no on-demand price in eu-west-1 for c5.large"),
        "{e}"
    );
    let e = errors("p.toml", &one_instance("m5.large", "[pricing]\nregion = \"mars-1\""));
    assert!(e.contains("no on-demand prices for region \"mars-1\""), "{e}");
    assert!(e.contains("us-east-1, us-gov-east-1, us-gov-west-1"), "{e}");
}

#[test]
fn instance_types_override_a_catalog_type_field_by_field() {
    // Only the price is given: vCPU, memory and ENIs stay the catalog's (m5.large: 2 vCPU,
    // 8192 MiB), and the price wins over the region's.
    let text = one_instance(
        "m5.large",
        "[[instance_types]]\nname = \"m5.large\"\nprice_per_hour_usd = 0.05",
    );
    let sc = scenario(&text);
    let ty = &sc.instance_types[sc.instance_groups[0].instance_type];
    assert_eq!((ty.vcpu, ty.memory_mib, ty.max_eni), (2, 8192, 3));
    assert_eq!(ty.price_per_hour_usd, 0.05);
    // A type the catalog lacks still needs its figures.
    let e = errors(
        "o.toml",
        &one_instance("x9.large", "[[instance_types]]\nname = \"x9.large\""),
    );
    assert!(e.contains("missing required field `vcpu`"), "{e}");
}

#[test]
fn ecsim_catalog_lists_a_family_with_its_published_figures() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["catalog", "--family", "m5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    // m5.large: 2 vCPU, 8192 MiB, 3 ENIs, 2 awsvpc tasks without trunking and 10 with, $0.096.
    let line = text
        .lines()
        .find(|l| l.starts_with("m5.large "))
        .expect("m5.large listed");
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        cols,
        vec!["m5.large", "2", "8192", "0", "x86_64", "3", "2/10", "0.0960"]
    );
    assert!(text
        .lines()
        .skip(1)
        .all(|l| l.starts_with("m5.") || l.starts_with("awsvpc_tasks")));
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["catalog", "--family", "zz9"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
