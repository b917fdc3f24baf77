//! Scalpel back ends (added per target).
