//! `ecsim import` and `ecsim export`: AWS CLI output and CloudFormation templates into a
//! scenario that validates and runs, keeping AWS's names and values; every ignored field
//! reported with its position; the round trip export -> import gives the same ECS-shaped
//! scenario. Fixtures: tests/data/import (each file's header cites its source). Expected
//! values are the fixtures' own AWS values, read as the ECS API defines them.

use crate::common::*;
use ecsim::import::{export, import, Imported};
use ecsim::scenario::elastic::Launch;
use ecsim::scenario::{self, Scenario, SchedulingStrategy, StrategySpec};
use std::path::{Path, PathBuf};

const DATA: &str = "tests/data/import";

fn files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(Path::new(DATA).join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "yaml"))
        .collect();
    v.sort();
    v
}

fn fixture(path: &str) -> PathBuf {
    Path::new(DATA).join(path)
}

fn imported(paths: &[PathBuf]) -> (Imported, Scenario) {
    let i = import(paths, None).unwrap_or_else(|d| panic!("import failed:\n{d}"));
    let sc = scenario::parse_str("imported.toml", &i.scenario, Path::new("."), "imported")
        .unwrap_or_else(|d| panic!("the imported scenario does not validate:\n{d}\n{}", i.scenario));
    (i, sc)
}

fn import_error(paths: &[PathBuf]) -> String {
    match import(paths, None) {
        Ok(i) => panic!("import should have failed:\n{}", i.scenario),
        Err(d) => d.to_string(),
    }
}

fn reported(i: &Imported, path: &str) -> String {
    i.ignored
        .iter()
        .find(|x| x.path == path)
        .unwrap_or_else(|| {
            panic!(
                "{path} is not in the report:\n{}",
                i.ignored.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("\n")
            )
        })
        .to_string()
}

/// The Auto Scaling group provider `name`: its group, managed scaling and termination
/// protection.
fn asg_provider<'a>(
    sc: &'a Scenario,
    name: &str,
) -> (usize, &'a ecsim::aws::ecs::capacity_provider::ManagedScaling, bool) {
    let p = sc
        .capacity_providers
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no provider {name}"));
    match &p.kind {
        scenario::elastic::ProviderKind::Asg {
            group,
            managed_scaling: Some(m),
            managed_termination_protection,
            ..
        } => (*group, m, *managed_termination_protection),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_cli_example_task_definition_and_container_instance_import() {
    // describe-task-definition hello_world:8: wordpress and mysql, each cpu 10 and memory 500
    // (hard limits, no reservation), wordpress mapping host port 80. The task's CPU is the
    // containers' sum and its memory the sum of memoryReservation-else-memory (ecs-semantics
    // §1.3): 20 units and 1000 MiB.
    let (i, sc) = imported(&[
        fixture("aws-cli-examples/describe-task-definition.json"),
        fixture("aws-cli-examples/describe-container-instances.json"),
    ]);
    let td = &sc.task_definitions[0];
    assert_eq!(td.family, "hello_world");
    assert_eq!((td.demand.cpu_units, td.demand.memory_mib), (20, 1000));
    assert_eq!(td.demand.host_ports, vec![80]);
    let names: Vec<&str> = td.containers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["wordpress", "mysql"]);
    // The container instance registers CPU 2048 and MEMORY 3955 and names no instance type:
    // it becomes a type of exactly those registered resources.
    assert_eq!(sc.instance_groups.len(), 1);
    let ty = &sc.instance_types[sc.instance_groups[0].instance_type];
    assert_eq!((ty.vcpu, ty.registered_memory_mib), (2, Some(3955)));
    assert_eq!(sc.instance_groups[0].count, 1);
    // What the scenario cannot carry is reported, located and with its reason.
    let image = reported(&i, "taskDefinition.containerDefinitions[0].image");
    assert!(image.contains("describe-task-definition.json:15:17"), "{image}");
    assert!(image.contains("does not run software"), "{image}");
    assert!(reported(&i, "taskDefinition.taskDefinitionArn").contains("identifier"));
    assert!(reported(&i, "containerInstances[0].runningTasksCount").contains("state of the live account"));
    assert!(i.scenario.contains("TODO"), "the TODO block is written");
}

#[test]
fn the_cli_example_of_describe_services_alone_names_the_missing_task_definition() {
    // my-http-service runs arn:...:task-definition/amazon-ecs-sample:1, which it does not
    // define: the error says which command's output to add.
    let e = import_error(&[fixture("aws-cli-examples/describe-services.json")]);
    assert!(e.contains("describe-services.json:"), "{e}");
    assert!(e.contains("amazon-ecs-sample:1"), "{e}");
    assert!(
        e.contains("aws ecs describe-task-definition --task-definition amazon-ecs-sample:1"),
        "{e}"
    );
}

#[test]
fn the_cli_example_capacity_provider_needs_its_auto_scaling_group() {
    // MyCapacityProvider's autoScalingGroupArn ends in autoScalingGroupName/MyAutoScalingGroup.
    let e = import_error(&[fixture("aws-cli-examples/describe-capacity-providers.json")]);
    assert!(e.contains("MyAutoScalingGroup"), "{e}");
    assert!(
        e.contains("describe-auto-scaling-groups --auto-scaling-group-names MyAutoScalingGroup"),
        "{e}"
    );
}

#[test]
fn the_cli_example_auto_scaling_group_takes_its_type_from_its_launch_configuration() {
    // The example group launches from my-launch-config: alone it cannot be imported.
    let asg = fixture("aws-cli-examples/describe-auto-scaling-groups.json");
    let e = import_error(std::slice::from_ref(&asg));
    assert!(e.contains("my-launch-config"), "{e}");
    assert!(e.contains("describe-launch-configurations"), "{e}");
    // With the configuration (written in describe-launch-configurations' shape): MinSize 0,
    // MaxSize 1, DesiredCapacity 1, AvailabilityZones [us-west-2c].
    let dir = tempfile::tempdir().unwrap();
    let lc = dir.path().join("describe-launch-configurations.json");
    std::fs::write(
        &lc,
        r#"{ "LaunchConfigurations": [ { "LaunchConfigurationName": "my-launch-config", "ImageId": "ami-0123456789abcdef0",
             "InstanceType": "t2.micro", "CreatedTime": "2013-08-19T20:53:25.584Z" } ] }"#,
    )
    .unwrap();
    let (_, sc) = imported(&[asg, lc]);
    let g = &sc.instance_groups[0];
    assert_eq!(g.name, "my-auto-scaling-group");
    assert_eq!(sc.instance_types[g.instance_type].name, "t2.micro");
    assert_eq!((g.count, g.min_size, g.max_size), (1, 0, 1));
    let azs: Vec<&str> = g
        .availability_zones
        .iter()
        .map(|z| sc.availability_zones[*z].as_str())
        .collect();
    assert_eq!(azs, ["us-west-2c"]);
}

#[test]
fn a_whole_cluster_from_the_cli_keeps_aws_values_and_runs() {
    let (i, sc) = imported(&files("web-app"));
    assert_eq!(sc.name, "default", "the cluster's name");
    // describe-auto-scaling-groups: DesiredCapacity 2, MinSize 0, MaxSize 10, launch template
    // ecs-m5-large at $Latest, whose newest version (2) has InstanceType m5.large.
    let g = &sc.instance_groups[0];
    assert_eq!(
        (g.name.as_str(), g.count, g.min_size, g.max_size),
        ("MyAutoScalingGroup", 2, 0, 10)
    );
    assert_eq!(sc.instance_types[g.instance_type].name, "m5.large");
    // The CLI's describe-capacity-providers example: targetCapacity 100, step sizes 1 and
    // 1000, managedTerminationProtection ENABLED.
    let (group, m, protection) = asg_provider(&sc, "MyCapacityProvider");
    assert_eq!(group, 0);
    assert_eq!(
        (
            m.target_capacity,
            m.minimum_scaling_step_size,
            m.maximum_scaling_step_size
        ),
        (100, 1, 1000)
    );
    assert!(protection);
    let web = sc.services.iter().find(|s| s.name == "web-app").unwrap();
    assert_eq!(web.scheduling, SchedulingStrategy::Replica { desired_count: 3 });
    assert!(matches!(&web.launch, Launch::Strategy(items) if items.len() == 1));
    assert_eq!(
        web.placement_strategy,
        Some(vec![
            StrategySpec::SpreadAttribute("ecs.availability-zone".into()),
            StrategySpec::BinpackMemory
        ])
    );
    assert_eq!(web.load_balancers.len(), 1);
    assert_eq!(sc.target_groups[web.load_balancers[0].target_group].name, "web-app-tg");
    // The CLI's describe-scalable-targets example: MinCapacity 1, MaxCapacity 10; its
    // put-scaling-policy example: "keeps the average CPU utilization of the service at 75
    // percent, with scale-out and scale-in cooldown periods of 60 seconds".
    let a = web.auto_scaling.as_ref().unwrap();
    assert_eq!((a.min_capacity, a.max_capacity), (1, 10));
    let tt = &a.target_tracking[0];
    assert_eq!(tt.target, 75.0);
    assert_eq!((tt.scale_out_cooldown_ms, tt.scale_in_cooldown_ms), (60_000, 60_000));
    // The step policy takes its metric, threshold and comparison from the alarm acting on it.
    let step = &a.step[0];
    assert_eq!(step.name, "memory-step-out");
    assert_eq!(step.alarm.threshold, 70.0);
    assert_eq!((step.alarm.evaluation_periods, step.alarm.datapoints_to_alarm), (3, 2));
    assert_eq!(step.cooldown_ms, 120_000);
    assert_eq!(a.scheduled[0].min_capacity, Some(4));
    let agent = sc.services.iter().find(|s| s.name == "log-agent").unwrap();
    assert_eq!(agent.scheduling, SchedulingStrategy::Daemon);
    // The web task's health check: interval 30, timeout 5, retries 3, startPeriod 10 (seconds).
    let td = &sc.task_definitions[web.task_definition];
    let hc = td.health_check.as_ref().unwrap();
    assert_eq!(
        (hc.interval_ms, hc.timeout_ms, hc.retries, hc.start_period_ms),
        (30_000, 5_000, 3, 10_000)
    );
    assert!(reported(&i, "services[0].events").contains("state of the live account"));
    assert!(reported(&i, "taskDefinition.requiresCompatibilities").contains("launch type"));
    // The scaled service's load is a marked TODO default, and the scenario runs.
    assert!(i.scenario.contains("# TODO load:"), "{}", i.scenario);
    let (r, _) = run_checked(&sc);
    assert!(
        r.summary.tasks_running_at_end >= 3,
        "{}",
        r.summary.tasks_running_at_end
    );
}

#[test]
fn a_cloudformation_template_resolves_its_intrinsic_functions() {
    let (i, sc) = imported(&[fixture("cloudformation/ecs-ec2-capacity-provider.yaml")]);
    assert_eq!(sc.name, "shop", "ClusterName");
    // Family: !Sub "${AWS::StackName}-web" with the file's stem as the stack name; Cpu and
    // Memory: !FindInMap [SizeMap, web, ...] = "1024" / "2048".
    let web = sc.services.iter().find(|s| s.name == "web").unwrap();
    let td = &sc.task_definitions[web.task_definition];
    assert_eq!(td.family, "ecs-ec2-capacity-provider-web");
    assert_eq!((td.demand.cpu_units, td.demand.memory_mib), (1024, 2048));
    // DesiredCount: !Ref DesiredCount, the parameter's Default 4.
    assert_eq!(web.scheduling, SchedulingStrategy::Replica { desired_count: 4 });
    // InstanceType: !Ref InstanceType (Default m6i.large) in the launch template the group
    // names by !Ref and !GetAtt LatestVersionNumber; AvailabilityZones: !GetAZs.
    let g = &sc.instance_groups[0];
    assert_eq!(sc.instance_types[g.instance_type].name, "m6i.large");
    assert_eq!((g.count, g.min_size, g.max_size), (2, 0, 20));
    assert_eq!(g.availability_zones.len(), 3);
    // ResourceId: !Join ["/", [service, !Ref ECSCluster, !GetAtt WebService.Name]] names web;
    // the policies name the target by ScalingTargetId: !Ref WebScalableTarget.
    let a = web.auto_scaling.as_ref().unwrap();
    assert_eq!((a.min_capacity, a.max_capacity), (2, 40));
    assert_eq!(a.target_tracking[0].target, 60.0);
    assert_eq!(a.target_tracking[0].scale_in_cooldown_ms, 300_000);
    // The alarm's AlarmActions: [!Ref WebStepPolicy]; Threshold 90.
    assert_eq!(a.step[0].alarm.threshold, 90.0);
    assert_eq!(a.scheduled[0].name, "evening-floor");
    // The target group resource gives the service's target group (TargetType ip).
    assert_eq!(sc.target_groups[web.load_balancers[0].target_group].name, "web-tg");
    // Fn::If cannot be evaluated (conditions are not): the field keeps ecsim's default and the
    // report says where (WorkerService's DesiredCount is on line 164, column 25).
    let worker = sc.services.iter().find(|s| s.name == "worker").unwrap();
    assert_eq!(worker.scheduling, SchedulingStrategy::Replica { desired_count: 1 });
    let dc = reported(&i, "Resources.WorkerService.Properties.DesiredCount");
    assert!(dc.contains("ecs-ec2-capacity-provider.yaml:164:25"), "{dc}");
    assert!(dc.contains("Fn::If not resolved"), "{dc}");
    assert!(reported(&i, "Resources.ExecutionRole").contains("AWS::IAM::Role is not modelled"));
    assert!(reported(&i, "Resources.WebService.Properties.NetworkConfiguration").contains("subnets"));
    let (r, _) = run_checked(&sc);
    assert!(r.summary.tasks_running_at_end >= 5);
}

#[test]
fn a_json_template_imports_like_yaml_and_bad_references_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("stack.json");
    std::fs::write(
        &t,
        r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "Td": { "Type": "AWS::ECS::TaskDefinition",
            "Properties": { "Family": "api", "Cpu": "256", "Memory": "512", "NetworkMode": "awsvpc",
                            "ContainerDefinitions": [ { "Name": "api", "Essential": true } ] } },
    "Svc": { "Type": "AWS::ECS::Service",
             "Properties": { "ServiceName": "api", "LaunchType": "FARGATE", "DesiredCount": 2,
                             "TaskDefinition": { "Ref": "Td" } } }
  }
}"#,
    )
    .unwrap();
    let (_, sc) = imported(std::slice::from_ref(&t));
    assert_eq!(sc.services[0].launch, Launch::Fargate);
    assert_eq!(
        sc.services[0].scheduling,
        SchedulingStrategy::Replica { desired_count: 2 }
    );
    // A Ref to nothing in the template is reported at its position; the service then has no
    // task definition, which is an error naming the file.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&t)
            .unwrap()
            .replace(r#"{ "Ref": "Td" }"#, r#"{ "Ref": "Nope" }"#),
    )
    .unwrap();
    let e = import_error(&[bad]);
    assert!(e.contains("bad.json:"), "{e}");
    assert!(e.contains("task definition"), "{e}");
}

/// CloudFormation's user guide: "The intrinsic function Fn::Select returns a single object
/// from a list of objects by index", the index counting from 0, and "To split a string into
/// a list of string values ... use the Fn::Split intrinsic function". So selecting index 1 of
/// "2,3,5" split on "," gives "3"; an index past the list's end cannot be evaluated, which the
/// import reports at the field, keeping ecsim's default.
#[test]
fn fn_select_and_fn_split_pick_an_item_and_a_bad_index_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let template = |index: &str| {
        format!(
            r#"{{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {{
    "Td": {{ "Type": "AWS::ECS::TaskDefinition",
            "Properties": {{ "Family": "api", "Cpu": "256", "Memory": "512", "NetworkMode": "awsvpc",
                            "ContainerDefinitions": [ {{ "Name": "api", "Essential": true }} ] }} }},
    "Svc": {{ "Type": "AWS::ECS::Service",
             "Properties": {{ "ServiceName": "api", "LaunchType": "FARGATE",
                             "DesiredCount": {{ "Fn::Select": ["{index}", {{ "Fn::Split": [",", "2,3,5"] }}] }},
                             "TaskDefinition": {{ "Ref": "Td" }} }} }}
  }}
}}"#
        )
    };
    let t = dir.path().join("stack.json");
    std::fs::write(&t, template("1")).unwrap();
    let (_, sc) = imported(std::slice::from_ref(&t));
    assert_eq!(
        sc.services[0].scheduling,
        SchedulingStrategy::Replica { desired_count: 3 }
    );
    std::fs::write(&t, template("3")).unwrap();
    let (i, sc) = imported(std::slice::from_ref(&t));
    assert_eq!(
        sc.services[0].scheduling,
        SchedulingStrategy::Replica { desired_count: 1 },
        "ecsim's default"
    );
    let dc = reported(&i, "Resources.Svc.Properties.DesiredCount");
    assert!(dc.contains("index 3 is past the list's end"), "{dc}");
}

#[test]
fn a_document_that_is_not_aws_configuration_is_refused_with_the_list_of_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("other.json");
    std::fs::write(&f, r#"{ "hello": 1 }"#).unwrap();
    let e = import_error(&[f]);
    assert!(e.contains("other.json:1:1"), "{e}");
    assert!(e.contains("not a document ecsim imports"), "{e}");
    assert!(e.contains("describe-task-definition"), "{e}");
    // List outputs name resources without their configuration: the hint says what to pass.
    let l = dir.path().join("templates.json");
    std::fs::write(&l, r#"{ "LaunchTemplates": [ { "LaunchTemplateName": "t", "LaunchTemplateId": "lt-1", "LatestVersionNumber": 2 } ] }"#).unwrap();
    let e = import_error(&[l]);
    assert!(e.contains("describe-launch-template-versions"), "{e}");
    // `aws ecs list-container-instances` prints only the instances' ARNs.
    let c = dir.path().join("instances.json");
    std::fs::write(
        &c,
        r#"{ "containerInstanceArns": [ "arn:aws:ecs:us-west-2:123456789012:container-instance/MyCluster/a1b2" ] }"#,
    )
    .unwrap();
    let e = import_error(&[c]);
    assert!(e.contains("instances.json:1:1"), "{e}");
    assert!(
        e.contains("names the instances but not their types or resources"),
        "{e}"
    );
    assert!(e.contains("aws ecs describe-container-instances"), "{e}");
    let y = dir.path().join("broken.yaml");
    std::fs::write(&y, "Resources:\n  A: [1, 2\n").unwrap();
    let e = import_error(&[y]);
    assert!(e.contains("broken.yaml:") && e.contains("YAML syntax error"), "{e}");
}

/// The ECS-shaped parts of a scenario, with indexes turned to names: what export and import
/// must keep.
fn ecs_parts(sc: &Scenario) -> String {
    let mut out = String::new();
    for g in &sc.instance_groups {
        let azs: Vec<&str> = g
            .availability_zones
            .iter()
            .map(|z| sc.availability_zones[*z].as_str())
            .collect();
        out += &format!(
            "group {} {} count {} min {} max {} spot {} azs {azs:?}\n",
            g.name, sc.instance_types[g.instance_type].name, g.count, g.min_size, g.max_size, g.spot
        );
    }
    for p in &sc.capacity_providers {
        out += &format!("provider {p:?}\n");
    }
    out += &format!("default strategy {:?}\n", sc.elastic.default_strategy);
    for t in &sc.task_definitions {
        // A scenario may give only a task's size; RegisterTaskDefinition's
        // containerDefinitions is required, so export writes one container, `app`.
        let app = vec![("app".to_string(), Vec::<u16>::new())];
        let containers = if t.containers.is_empty() { &app } else { &t.containers };
        out += &format!(
            "task {} {:?} {:?} {:?} size {} hard {:?} storage {} containers {:?} check {:?} stop {}\n",
            t.family,
            t.network_mode,
            t.demand,
            t.constraints,
            t.task_level_size,
            t.hard_memory_limit_mib,
            t.ephemeral_storage_gib,
            containers,
            t.health_check,
            t.stop_timeout_ms
        );
    }
    for tg in &sc.target_groups {
        out += &format!(
            "target group {} on {} {:?} interval {} timeout {} thresholds {}/{}\n",
            tg.name,
            sc.load_balancers[tg.load_balancer].name,
            tg.target_type,
            tg.interval_ms,
            tg.timeout_ms,
            tg.healthy_threshold,
            tg.unhealthy_threshold
        );
    }
    for s in &sc.services {
        out += &format!(
            "service {} td {} {:?} {:?} {:?} {:?} scaling {:?} deployment {:?} lbs {:?}\n",
            s.name,
            sc.task_definitions[s.task_definition].family,
            s.scheduling,
            s.placement_strategy,
            s.placement_constraints,
            s.launch,
            s.auto_scaling,
            s.deployment,
            s.load_balancers
        );
    }
    out
}

fn round_trip(name: &str, sc: &Scenario, source: &str, file: &str) {
    let exported = export::export(sc, file, source).unwrap_or_else(|d| panic!("{name}: export failed:\n{d}"));
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (n, text) in &exported {
        let p = dir.path().join(n);
        std::fs::write(&p, text).unwrap();
        paths.push(p);
    }
    let (_, back) = imported(&paths);
    assert_eq!(
        ecs_parts(&back),
        ecs_parts(sc),
        "{name}: export then import changed the ECS-shaped parts"
    );
}

#[test]
fn export_then_import_gives_the_same_ecs_shaped_scenario() {
    // Examples whose ECS-shaped parts AWS configuration can hold whole (target groups with
    // the ELB defaults for their attributes; no faults or custom attributes matter here).
    for ex in [
        "step-scaling",
        "web-fargate-spot-mix",
        "alb-deployment-waves",
        "binpack-vs-spread",
        "scheduled-business-hours",
        "web-daily-target-tracking",
        "batch-scale-from-zero",
        "distinct-instance",
    ] {
        let path = PathBuf::from(format!("scenarios/{ex}.toml"));
        let sc = scenario::load(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        round_trip(ex, &sc, &text, &path.display().to_string());
    }
    // And what import itself writes: the CLI set and the template.
    for (name, paths) in [
        ("web-app", files("web-app")),
        (
            "cloudformation",
            vec![fixture("cloudformation/ecs-ec2-capacity-provider.yaml")],
        ),
    ] {
        let (i, sc) = imported(&paths);
        round_trip(name, &sc, &i.scenario, "imported.toml");
    }
}

#[test]
fn the_commands_write_files_atomically_and_refuse_a_non_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exported");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["export", "scenarios/step-scaling.toml", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.contains(&"describe-services.json".to_string()), "{names:?}");
    // A second export into the same, now non-empty, directory is refused.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["export", "scenarios/step-scaling.toml", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    // ecsim import writes the scenario and the report.
    let scenario_file = dir.path().join("back.toml");
    let report = dir.path().join("report.txt");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"));
    cmd.arg("import");
    for n in &names {
        cmd.arg(out.join(n));
    }
    let status = cmd
        .arg("--out")
        .arg(&scenario_file)
        .arg("--report")
        .arg(&report)
        .status()
        .unwrap();
    assert!(status.success());
    scenario::load(&scenario_file).unwrap_or_else(|d| panic!("{d}"));
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("field(s) of the input were not imported"));
}

#[test]
fn the_cloudformation_capacity_provider_example_combines_with_the_cli_group() {
    // The CloudFormation reference's example: MaximumScalingStepSize 10, MinimumScalingStepSize
    // 1, TargetCapacity 100, ManagedTerminationProtection ENABLED, over MyAutoScalingGroup
    // (named by ARN), whose configuration comes from the CLI's output.
    let cfn = fixture("cloudformation/capacity-provider-example.yaml");
    let e = import_error(std::slice::from_ref(&cfn));
    assert!(e.contains("MyAutoScalingGroup"), "{e}");
    let (i, sc) = imported(&[
        cfn,
        fixture("web-app/describe-auto-scaling-groups.json"),
        fixture("web-app/describe-launch-template-versions.json"),
    ]);
    let (group, m, protection) = asg_provider(&sc, "myCapacityProvider");
    assert_eq!(sc.instance_groups[group].name, "MyAutoScalingGroup");
    assert_eq!(
        (
            m.target_capacity,
            m.minimum_scaling_step_size,
            m.maximum_scaling_step_size
        ),
        (100, 1, 10)
    );
    assert!(protection);
    assert!(reported(&i, "Resources.myCapacityProvider.Properties.Tags").contains("change no behaviour"));
}
