//! Made-up Vietnamese sample data, pure and deterministic (no I/O): the one generator behind
//! `hqdesk serve --demo` ([`demo`]) and the benchmark seeder `hqdesk-bench seed` ([`bulk`]).
//! Both draw people and businesses from [`people`], the customs words and the organisation's
//! headquarters from [`customs`], and their numbers from [`Rng`].
pub mod bulk;
pub mod customs;
pub mod demo;
pub mod people;
mod rng;

pub use rng::Rng;
