//! The five simulated streams: their column lists, their Arrow schemas, and
//! the two record shapes every other part of the simulator writes — one JSON
//! object per record for the landing zone and one `RecordBatch` per delivery
//! for Parquet, CSV and Arrow IPC.

use std::fmt;
use std::sync::Arc;

use chrono::DateTime;
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, RecordBatch, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::error::ArrowError;
use serde::ser::{Serialize, SerializeMap, Serializer};

/// One of the simulated event streams (a table in every zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stream {
    /// Retail orders.
    Orders,
    /// Website and app clickstream.
    Clickstream,
    /// Card payments with fraud signals.
    Payments,
    /// Service request logs.
    AppLogs,
    /// VPC-style network flow logs.
    NetworkFlows,
}

/// The type of one column, a subset of Arrow's that JSON can carry too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Int,
    Float,
    Bool,
    /// Microseconds since the epoch, UTC; ISO-8601 text in JSON.
    Time,
}

/// One cell of a generated record.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Time(i64),
}

/// A generated record, cells in the order of `Stream::columns`.
pub(crate) type Row = Vec<Value>;

use Kind::{Bool, Float, Int, Text, Time};

const ORDERS: &[(&str, Kind)] = &[
    ("order_id", Text),
    ("event_time", Time),
    ("customer_id", Text),
    ("country", Text),
    ("channel", Text),
    ("product_category", Text),
    ("quantity", Int),
    ("unit_price", Float),
    ("amount", Float),
    ("currency", Text),
    ("status", Text),
];
const CLICKSTREAM: &[(&str, Kind)] = &[
    ("event_time", Time),
    ("session_id", Text),
    ("user_id", Text),
    ("page", Text),
    ("action", Text),
    ("referrer", Text),
    ("device", Text),
    ("duration_ms", Int),
];
const PAYMENTS: &[(&str, Kind)] = &[
    ("event_time", Time),
    ("payment_id", Text),
    ("order_id", Text),
    ("card_country", Text),
    ("merchant_category", Text),
    ("method", Text),
    ("amount", Float),
    ("currency", Text),
    ("fraud_score", Float),
    ("is_flagged", Bool),
    ("declined", Bool),
];
const APP_LOGS: &[(&str, Kind)] = &[
    ("event_time", Time),
    ("service", Text),
    ("host", Text),
    ("endpoint", Text),
    ("level", Text),
    ("status_code", Int),
    ("latency_ms", Float),
    ("message", Text),
];
const NETWORK_FLOWS: &[(&str, Kind)] = &[
    ("event_time", Time),
    ("src_ip", Text),
    ("dst_ip", Text),
    ("dst_port", Int),
    ("protocol", Text),
    ("bytes_sent", Int),
    ("bytes_received", Int),
    ("packets", Int),
    ("action", Text),
];

impl Stream {
    /// Every stream, in a fixed order.
    pub const ALL: [Stream; 5] = [
        Stream::Orders,
        Stream::Clickstream,
        Stream::Payments,
        Stream::AppLogs,
        Stream::NetworkFlows,
    ];

    /// The table name used as a folder in every zone.
    pub fn name(self) -> &'static str {
        match self {
            Stream::Orders => "orders",
            Stream::Clickstream => "clickstream",
            Stream::Payments => "payments",
            Stream::AppLogs => "app_logs",
            Stream::NetworkFlows => "network_flows",
        }
    }

    /// The Arrow schema of the stream's consumption-zone Parquet.
    pub fn schema(self) -> SchemaRef {
        let fields: Vec<Field> = self
            .columns()
            .iter()
            .map(|&(name, kind)| Field::new(name, data_type(kind), false))
            .collect();
        Arc::new(Schema::new(fields))
    }

    /// Column names and kinds, in schema order.
    pub(crate) fn columns(self) -> &'static [(&'static str, Kind)] {
        match self {
            Stream::Orders => ORDERS,
            Stream::Clickstream => CLICKSTREAM,
            Stream::Payments => PAYMENTS,
            Stream::AppLogs => APP_LOGS,
            Stream::NetworkFlows => NETWORK_FLOWS,
        }
    }

    /// Position of `event_time`, so callers can sort or check rows by time.
    pub(crate) fn time_column(self) -> usize {
        self.columns()
            .iter()
            .position(|&(name, _)| name == "event_time")
            .expect("every stream has an event_time column")
    }

    /// A JSON view of one record that serializes its fields in schema order.
    pub(crate) fn json(self, row: &Row) -> JsonRecord<'_> {
        JsonRecord {
            columns: self.columns(),
            row,
        }
    }

    /// Builds one Arrow batch from records of this stream.
    pub(crate) fn to_batch(self, rows: &[Row]) -> Result<RecordBatch, ArrowError> {
        let columns = self
            .columns()
            .iter()
            .enumerate()
            .map(|(index, &(name, kind))| {
                build_column(kind, rows.iter().map(|row| &row[index]), name)
            })
            .collect::<Result<Vec<_>, _>>()?;
        RecordBatch::try_new(self.schema(), columns)
    }
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn data_type(kind: Kind) -> DataType {
    match kind {
        Text => DataType::Utf8,
        Int => DataType::Int64,
        Float => DataType::Float64,
        Bool => DataType::Boolean,
        Time => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
    }
}

fn build_column<'a>(
    kind: Kind,
    cells: impl ExactSizeIterator<Item = &'a Value>,
    name: &str,
) -> Result<ArrayRef, ArrowError> {
    let mismatch = |cell: &Value| {
        ArrowError::InvalidArgumentError(format!("column {name} expects {kind:?} but got {cell:?}"))
    };
    let len = cells.len();
    let array: ArrayRef = match kind {
        Text => {
            let mut builder = StringBuilder::with_capacity(len, len * 16);
            for cell in cells {
                let Value::Text(text) = cell else {
                    return Err(mismatch(cell));
                };
                builder.append_value(text);
            }
            Arc::new(builder.finish())
        }
        Int => {
            let mut builder = Int64Builder::with_capacity(len);
            for cell in cells {
                let Value::Int(value) = cell else {
                    return Err(mismatch(cell));
                };
                builder.append_value(*value);
            }
            Arc::new(builder.finish())
        }
        Float => {
            let mut builder = Float64Builder::with_capacity(len);
            for cell in cells {
                let Value::Float(value) = cell else {
                    return Err(mismatch(cell));
                };
                builder.append_value(*value);
            }
            Arc::new(builder.finish())
        }
        Bool => {
            let mut builder = BooleanBuilder::with_capacity(len);
            for cell in cells {
                let Value::Bool(value) = cell else {
                    return Err(mismatch(cell));
                };
                builder.append_value(*value);
            }
            Arc::new(builder.finish())
        }
        Time => {
            let mut builder = TimestampMicrosecondBuilder::with_capacity(len).with_timezone("UTC");
            for cell in cells {
                let Value::Time(value) = cell else {
                    return Err(mismatch(cell));
                };
                builder.append_value(*value);
            }
            Arc::new(builder.finish())
        }
    };
    Ok(array)
}

/// ISO-8601 UTC with milliseconds, the way Firehose producers usually stamp events.
pub(crate) fn iso_millis(micros: i64) -> String {
    DateTime::from_timestamp_micros(micros).map_or_else(
        || micros.to_string(),
        |time| time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    )
}

/// A record borrowed for serialization as one JSON object.
pub(crate) struct JsonRecord<'a> {
    columns: &'static [(&'static str, Kind)],
    row: &'a Row,
}

impl Serialize for JsonRecord<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.columns.len()))?;
        for (&(name, _), cell) in self.columns.iter().zip(self.row) {
            match cell {
                Value::Text(text) => map.serialize_entry(name, text)?,
                Value::Int(value) => map.serialize_entry(name, value)?,
                Value::Float(value) => map.serialize_entry(name, value)?,
                Value::Bool(value) => map.serialize_entry(name, value)?,
                Value::Time(micros) => map.serialize_entry(name, &iso_millis(*micros))?,
            }
        }
        map.end()
    }
}
