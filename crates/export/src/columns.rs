//! A table under construction: named Arrow columns, filled from records, that become one
//! [`RecordBatch`] whose schema does not depend on the rows (an empty table has the same
//! columns and types as a full one).

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{Field, Schema};

use crate::Error;

/// Columns in order, each with its nullability.
#[derive(Default)]
pub(crate) struct Columns {
    fields: Vec<Field>,
    arrays: Vec<ArrayRef>,
}

/// Seconds since the epoch (as the records carry time) to whole microseconds.
pub(crate) fn micros(secs: f64) -> Option<i64> {
    let us = (secs * 1e6).round();
    // NaN and out-of-range values are no time at all, not a saturated one.
    (us.is_finite() && us.abs() < 9.0e18).then_some(us as i64)
}

impl Columns {
    fn push(&mut self, name: &str, nullable: bool, array: ArrayRef) {
        self.fields
            .push(Field::new(name, array.data_type().clone(), nullable));
        self.arrays.push(array);
    }

    /// A string column that may hold nulls.
    pub(crate) fn str<'a>(&mut self, name: &str, v: impl Iterator<Item = Option<&'a str>>) {
        self.push(name, true, Arc::new(v.collect::<StringArray>()));
    }

    /// A string column with a value in every row.
    pub(crate) fn str_req<'a>(&mut self, name: &str, v: impl Iterator<Item = &'a str>) {
        self.push(name, false, Arc::new(v.map(Some).collect::<StringArray>()));
    }

    /// A 64-bit integer column (frame numbers, counts, streams).
    pub(crate) fn i64(&mut self, name: &str, v: impl Iterator<Item = Option<i64>>) {
        self.push(name, true, Arc::new(v.collect::<Int64Array>()));
    }

    /// A 32-bit integer column (ports, status codes, payload types).
    pub(crate) fn i32(&mut self, name: &str, v: impl Iterator<Item = Option<i32>>) {
        self.push(name, true, Arc::new(v.collect::<Int32Array>()));
    }

    /// A floating-point column (milliseconds of jitter, durations).
    pub(crate) fn f64(&mut self, name: &str, v: impl Iterator<Item = Option<f64>>) {
        self.push(name, true, Arc::new(v.collect::<Float64Array>()));
    }

    /// A boolean column.
    pub(crate) fn bool(&mut self, name: &str, v: impl Iterator<Item = Option<bool>>) {
        self.push(name, true, Arc::new(v.collect::<BooleanArray>()));
    }

    /// A TIMESTAMP column, microseconds since the epoch, UTC, from seconds as the records hold them.
    pub(crate) fn time(&mut self, name: &str, v: impl Iterator<Item = Option<f64>>) {
        let a = v
            .map(|t| t.and_then(micros))
            .collect::<TimestampMicrosecondArray>()
            .with_timezone("UTC");
        self.push(name, true, Arc::new(a));
    }

    /// A list-of-strings column.
    pub(crate) fn list<I, S>(&mut self, name: &str, rows: impl Iterator<Item = I>)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut b = ListBuilder::new(StringBuilder::new());
        for row in rows {
            for s in row {
                b.values().append_value(s.as_ref());
            }
            b.append(true);
        }
        self.push(name, true, Arc::new(b.finish()));
    }

    /// The batch (every column has the same number of rows by construction).
    pub(crate) fn finish(self) -> Result<RecordBatch, Error> {
        let schema = Arc::new(Schema::new(self.fields));
        RecordBatch::try_new(schema, self.arrays).map_err(|e| Error::Arrow(e.to_string()))
    }
}

/// `addr:port` / `[v6]:port` split into the address (as a string) and the port.
pub(crate) fn split_endpoint(s: &str) -> (Option<&str>, Option<i32>) {
    let Some((addr, port)) = s.rsplit_once(':') else {
        return (Some(s).filter(|s| !s.is_empty()), None);
    };
    let Ok(port) = port.parse::<u16>() else {
        return (Some(s), None);
    };
    let addr = addr
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(addr);
    (Some(addr), Some(i32::from(port)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_split_into_address_and_port() {
        assert_eq!(
            split_endpoint("10.0.0.1:5061"),
            (Some("10.0.0.1"), Some(5061))
        );
        assert_eq!(
            split_endpoint("[2001:db8::1]:443"),
            (Some("2001:db8::1"), Some(443))
        );
        assert_eq!(split_endpoint("host"), (Some("host"), None));
        assert_eq!(split_endpoint(""), (None, None));
    }

    #[test]
    fn seconds_become_microseconds() {
        assert_eq!(micros(1.5), Some(1_500_000));
        assert_eq!(micros(1_700_000_000.000_001), Some(1_700_000_000_000_001));
        assert_eq!(micros(f64::NAN), None);
        assert_eq!(micros(1e300), None);
    }

    #[test]
    fn empty_table_keeps_its_schema() {
        let mut c = Columns::default();
        c.str_req("capture", std::iter::empty());
        c.time("time", std::iter::empty());
        let b = c.finish().expect("batch");
        assert_eq!(b.num_rows(), 0);
        assert_eq!(b.schema().fields().len(), 2);
        assert!(!b.schema().field(0).is_nullable());
    }
}
