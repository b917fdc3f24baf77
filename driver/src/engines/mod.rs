//! Engines that evaluate emitted rules in process on generated events, as second
//! opinions next to the reference evaluator (`scalpel test`).
//!
//! Only engines nobody on this project wrote count: today sigma-rust on the emitted
//! Sigma. Its known gaps are reported as skipped cases with the reason, never as
//! passes; what it cannot evaluate at all (correlations) is "not applicable".

pub mod sigma_rust;
