//! The integration tests, one binary with a module per behaviour (one link
//! of polars, not one per file): the command line as a user meets it, the
//! bad-input corpus, comparisons, reports, traffic fitting, the seed table,
//! conservation and closed forms, and property tests.

mod bad_inputs;
mod cli;
mod common;
mod compare;
mod decode_table;
mod fleets;
mod integration;
mod multinode;
mod names;
mod plan;
mod properties;
mod purchase;
mod report;
mod sensitivity;
mod traffic;
