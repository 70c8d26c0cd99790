//! Domain-free discrete-event kernel: integer simulated time, a totally ordered event queue
//! and seeded random sub-streams.
//!
//! Architecture invariant: nothing in this module knows about ECS. The model above it decides
//! what an event means and which *lane* it travels in.

mod queue;
mod rng;
mod time;

pub use queue::{EventQueue, Lane, Scheduled, MAX_EVENTS};
pub use rng::{fnv1a64, RngStreams, StreamRng};
pub use time::{round_to_u64, SimTime};
