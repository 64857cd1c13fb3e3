//! Multi-row statements: one round trip to the database for many rows.
//!
//! Group commit ([`crate::cases::insert_many`] and friends) writes the rows of several use cases
//! with one `INSERT … VALUES (…), (…)` per table. Rows are split into statements of a few fixed
//! sizes (powers of two) so that the connection's prepared-statement cache holds a handful of
//! texts per table instead of one per batch size, and of at most [`MAX_PARAMS`] parameters
//! (see there for why so few). The benchmark seeder (`hqdesk_bench::seed`) writes through the same
//! helpers.
use std::fmt::Write as _;

use sqlx::any::AnyArguments;
use sqlx::Arguments;

use crate::StoreError;

/// Bound parameters per statement, at most. Far below SQLite's limit (32,766) on purpose: SQLite
/// finds a numbered parameter (`$7`) by a linear scan of the statement's parameter list, so
/// binding costs grow with the square of the parameters per statement. Measured by the bulk
/// seeder on SQLite, 50,000 cases: 2,000 parameters per statement loaded 5,000 cases/s, 1,000
/// loaded 8,000/s, 200–500 loaded 10,000–12,000/s (32,000 loaded 420/s). Anonymous `?`
/// placeholders would not pay this, but PostgreSQL does not take them and the store keeps one
/// query text for both engines. PostgreSQL loads at the same speed from 300 to 8,000 parameters.
pub const MAX_PARAMS: usize = 256;

/// `($1, $2), ($3, $4)` for `rows` rows of `cols` columns.
pub fn values(rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 7);
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            n += 1;
            if c > 0 {
                s.push_str(", ");
            }
            let _ = write!(s, "${n}");
        }
        s.push(')');
    }
    s
}

/// `$1, $2, …, $n`, for `IN (…)` lists.
pub fn list(n: usize) -> String {
    let mut s = String::with_capacity(n * 5);
    for i in 1..=n {
        if i > 1 {
            s.push_str(", ");
        }
        let _ = write!(s, "${i}");
    }
    s
}

/// Split `len` rows of `cols` columns into statement sizes: powers of two, largest first, each
/// within [`MAX_PARAMS`]. `13` rows of 4 columns → `[8, 4, 1]`.
pub fn chunk_sizes(len: usize, cols: usize) -> Vec<usize> {
    let cap = (MAX_PARAMS / cols.max(1)).max(1);
    let largest = if cap.is_power_of_two() {
        cap
    } else {
        cap.next_power_of_two() / 2
    };
    let mut sizes = Vec::new();
    let mut left = len;
    let mut size = largest;
    while left > 0 {
        while size > left {
            size /= 2;
        }
        sizes.push(size);
        left -= size;
    }
    sizes
}

/// Bind one value.
pub fn add<'q, T>(args: &mut AnyArguments<'q>, v: T) -> Result<(), StoreError>
where
    T: 'q + Send + sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    args.add(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_every_column() {
        assert_eq!(values(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(list(3), "$1, $2, $3");
    }

    #[test]
    fn chunks_cover_every_row_within_the_parameter_cap() {
        assert_eq!(chunk_sizes(13, 4), vec![8, 4, 1]);
        assert_eq!(chunk_sizes(0, 4), Vec::<usize>::new());
        for cols in [1, 2, 8, 17, 300] {
            for len in 0..200 {
                let sizes = chunk_sizes(len, cols);
                assert_eq!(sizes.iter().sum::<usize>(), len);
                assert!(sizes.iter().all(|s| s.is_power_of_two()));
                assert!(sizes.iter().all(|s| *s == 1 || s * cols <= MAX_PARAMS));
            }
        }
    }
}
