//! Redacted copies of a sealed report for a verifying unit: its text without the parts the
//! investigator marks and the contact details found in it, and its files without the metadata
//! that names or locates their author. Pure functions over bytes and text; no I/O.
pub mod files;
pub mod text;
