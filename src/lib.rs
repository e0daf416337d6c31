//! # capsim — Monte Carlo capacity planning for self-hosted LLM inference
//!
//! capsim answers "if we serve our traffic next year on our own GPU replicas
//! — reserved, on-demand, spot or a mix — instead of buying an API, what will
//! it cost, how sure are we, and which choice carries less risk?"
//!
//! A **trial** is one possible year. It draws its parameters (volume, growth,
//! throughput per GPU, prices, failure rates: what we do not know), then
//! replays every hour (noise, bursts, failures, spot interruptions: what
//! varies) against each strategy's fleet. Every strategy sees the same draws in
//! trial `i` (common random numbers), and trial `i`'s draws depend only on the
//! seed and `i`.
//!
//! The code follows one scenario from file to Parquet:
//! [`scenario`] (TOML → validated [`scenario::Scenario`]) → [`model`] (one
//! trial, pure) → [`engine`] (trials in parallel) → [`stats`] (summaries) →
//! [`report`] (Parquet, JSON, terminal; all file I/O). [`seed_table`]
//! reproduces and corrects the seed calculation.

#![warn(missing_docs)]

pub mod breakeven;
pub mod catalog;
pub mod choose;
pub mod compare;
pub mod dist;
pub mod engine;
pub mod fmt;
pub mod gpu_catalog;
pub mod input;
pub mod model;
pub mod plan;
pub mod precision;
pub mod regret_map;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod seed_table;
pub mod sensitivity;
pub mod serving;
pub mod stats;
pub mod traffic;
