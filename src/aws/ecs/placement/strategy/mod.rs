//! Placement strategies: each narrows a candidate list to its best subset, best effort.
//!
//! Ties survive to the next strategy in the chain; what is left at the end is chosen from
//! uniformly at random (ecs-semantics §1.2, tie-break (I)). One strategy per file.

mod binpack;
mod random;
mod spread;

pub use binpack::{binpack_remaining, narrow_binpack};
pub use random::narrow_random;
pub use spread::{narrow_spread, spread_count};

use crate::aws::ecs::model::AttrId;
use std::fmt;

/// The resource binpack minimises.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum BinpackField {
    Cpu,
    Memory,
}

/// What spread balances over.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SpreadField {
    /// `instanceId` (alias `host`): one bucket per container instance.
    InstanceId,
    /// `attribute:<name>`.
    Attribute { attr: AttrId, name: String },
}

/// One rule of a placement strategy chain.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    Binpack(BinpackField),
    Spread(SpreadField),
    Random,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Binpack(BinpackField::Cpu) => write!(f, "binpack(cpu)"),
            Strategy::Binpack(BinpackField::Memory) => write!(f, "binpack(memory)"),
            Strategy::Spread(SpreadField::InstanceId) => write!(f, "spread(instanceId)"),
            Strategy::Spread(SpreadField::Attribute { name, .. }) => {
                write!(f, "spread(attribute:{name})")
            }
            Strategy::Random => write!(f, "random"),
        }
    }
}
