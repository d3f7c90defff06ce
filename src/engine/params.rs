//! Parameters (`$country`) bound as typed values through DataFusion's parameter binding, never
//! spliced into SQL text: a value is a literal in the plan, so `x' OR '1'='1` is only a string.
//! A text value for a placeholder whose type the planner inferred (from the column it meets) is
//! parsed into that type; a null becomes a null of that type, so `($p IS NULL OR col = $p)` reads
//! "all" when `$p` is null. Other values are bound as given and coerced by DataFusion.

use std::collections::HashMap;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{ParamValues, ScalarValue};
use datafusion::dataframe::DataFrame;
use datafusion::error::DataFusionError;

/// Why parameters could not be bound to a query.
#[derive(Debug, thiserror::Error)]
pub enum ParamError {
    /// The query uses a parameter that was given no value.
    #[error("parameter ${0} has no value: give it one (a null value means \"all\")")]
    Missing(String),
    /// A positional placeholder (`$1`); dashboards name their parameters.
    #[error("positional parameter {0} is not supported: name the parameter, e.g. $country")]
    Positional(String),
    /// A text value that does not parse as the type the query needs.
    #[error("parameter ${name} must be {expected}, but `{value}` is not: {reason}")]
    WrongType {
        /// The parameter's name.
        name: String,
        /// The type the query compares it with.
        expected: DataType,
        /// The value given.
        value: String,
        /// Why it did not convert.
        reason: String,
    },
    /// The parameters' types could not be worked out (two uses need different types).
    #[error("could not bind the parameters: {0}")]
    Plan(String),
}

/// `frame` with every `$name` placeholder replaced by its typed value from `params`.
pub(crate) fn bind(
    frame: DataFrame,
    params: &HashMap<String, ScalarValue>,
) -> Result<DataFrame, ParamError> {
    let wanted = frame
        .logical_plan()
        .get_parameter_types()
        .map_err(|e| ParamError::Plan(e.strip_backtrace()))?;
    if wanted.is_empty() {
        return Ok(frame);
    }
    let mut names: Vec<_> = wanted.into_iter().collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    let mut values = HashMap::with_capacity(names.len());
    for (id, expected) in names {
        let name = id.strip_prefix('$').unwrap_or(&id);
        if name.chars().all(|c| c.is_ascii_digit()) {
            return Err(ParamError::Positional(id.clone()));
        }
        let value = params
            .get(name)
            .ok_or_else(|| ParamError::Missing(name.to_owned()))?;
        values.insert(name.to_owned(), typed(name, value, expected.as_ref())?);
    }
    frame
        .with_param_values(ParamValues::from(values))
        .map_err(|e| ParamError::Plan(e.strip_backtrace()))
}

/// `value` as the placeholder's type, where it is null or text and the type is known.
fn typed(
    name: &str,
    value: &ScalarValue,
    expected: Option<&DataType>,
) -> Result<ScalarValue, ParamError> {
    let Some(expected) = expected else {
        return Ok(value.clone());
    };
    if value.data_type() == *expected {
        return Ok(value.clone());
    }
    if value.is_null() {
        return ScalarValue::try_from(expected).map_err(|e| wrong_type(name, value, expected, &e));
    }
    let is_text = matches!(
        value.data_type(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    );
    if is_text {
        return value
            .cast_to(expected)
            .map_err(|e| wrong_type(name, value, expected, &e));
    }
    Ok(value.clone())
}

fn wrong_type(
    name: &str,
    value: &ScalarValue,
    expected: &DataType,
    err: &DataFusionError,
) -> ParamError {
    ParamError::WrongType {
        name: name.to_owned(),
        expected: expected.clone(),
        value: value.to_string(),
        reason: err.strip_backtrace(),
    }
}

/// The typed value a dashboard parameter of `param_type` is bound as: `value`, or a typed null
/// (meaning "all") when it has none.
pub fn dashboard_value(
    param_type: crate::model::dashboard::ParamType,
    value: Option<&crate::model::dashboard::ParamValue>,
) -> ScalarValue {
    use crate::model::dashboard::{ParamType, ParamValue};
    match (param_type, value) {
        (_, Some(ParamValue::Text(text))) => ScalarValue::Utf8(Some(text.clone())),
        (_, Some(ParamValue::Number(number))) => ScalarValue::Float64(Some(*number)),
        (_, Some(ParamValue::Date(date))) => {
            let epoch = chrono::NaiveDate::default();
            ScalarValue::Date32(Some((*date - epoch).num_days() as i32))
        }
        (_, Some(ParamValue::Timestamp(at))) => {
            ScalarValue::TimestampMicrosecond(Some(at.timestamp_micros()), Some("UTC".into()))
        }
        (ParamType::Text, None) => ScalarValue::Utf8(None),
        (ParamType::Number, None) => ScalarValue::Float64(None),
        (ParamType::Date, None) => ScalarValue::Date32(None),
        (ParamType::Timestamp, None) => ScalarValue::TimestampMicrosecond(None, Some("UTC".into())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::dashboard::{ParamType, ParamValue};

    #[test]
    fn dashboard_values_become_typed_scalars_and_no_value_a_typed_null() {
        let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 3).unwrap();
        assert_eq!(
            dashboard_value(ParamType::Date, Some(&ParamValue::Date(date))),
            ScalarValue::Date32(Some(2))
        );
        let at = chrono::DateTime::from_timestamp(1, 0).unwrap();
        assert_eq!(
            dashboard_value(ParamType::Timestamp, Some(&ParamValue::Timestamp(at))),
            ScalarValue::TimestampMicrosecond(Some(1_000_000), Some("UTC".into()))
        );
        assert_eq!(
            dashboard_value(
                ParamType::Text,
                Some(&ParamValue::Text("x' OR '1'='1".into()))
            ),
            ScalarValue::Utf8(Some("x' OR '1'='1".into()))
        );
        assert_eq!(
            dashboard_value(ParamType::Number, None),
            ScalarValue::Float64(None)
        );
        assert_eq!(
            dashboard_value(ParamType::Text, None),
            ScalarValue::Utf8(None)
        );
    }
}
