//! The workload: request-rate curves and how load becomes CPU, memory and requests over
//! capacity.

pub mod load;
