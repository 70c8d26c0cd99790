//! The predefined metrics a scaling policy of an ECS service can track, by their CloudWatch
//! names.

/// The predefined metrics for ECS services.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum MetricName {
    CpuUtilization,
    MemoryUtilization,
    RequestCountPerTarget,
}

impl MetricName {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricName::CpuUtilization => "ECSServiceAverageCPUUtilization",
            MetricName::MemoryUtilization => "ECSServiceAverageMemoryUtilization",
            MetricName::RequestCountPerTarget => "ALBRequestCountPerTarget",
        }
    }

    pub const ALL: [&'static str; 3] = [
        "ECSServiceAverageCPUUtilization",
        "ECSServiceAverageMemoryUtilization",
        "ALBRequestCountPerTarget",
    ];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ECSServiceAverageCPUUtilization" => Some(MetricName::CpuUtilization),
            "ECSServiceAverageMemoryUtilization" => Some(MetricName::MemoryUtilization),
            "ALBRequestCountPerTarget" => Some(MetricName::RequestCountPerTarget),
            _ => None,
        }
    }
}
