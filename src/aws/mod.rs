//! The AWS services a cluster is made of, one module per service, each a component that owns
//! its state and offers narrow methods (see ARCHITECTURE.md for who may call whom):
//!
//! * [`ecs`]: the cluster of container instances, the task table, placement, the service
//!   scheduler, RunTask, capacity providers and Fargate;
//! * [`ec2_autoscaling`]: Auto Scaling groups, their launches and terminations, and the EC2
//!   instance-type catalog;
//! * [`cloudwatch`]: metric series and alarms;
//! * [`application_autoscaling`]: scalable targets and their scaling policies;
//! * [`elb`]: Elastic Load Balancing's target groups, their targets' health and routing;
//! * [`billing`]: what ran, for how long, at what price.
//!
//! [`health_check`] is the check series both ELB and the ECS agent run.

pub mod application_autoscaling;
pub mod billing;
pub mod cloudwatch;
pub mod ec2_autoscaling;
pub mod ecs;
pub mod elb;
pub mod health_check;
