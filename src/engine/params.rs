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
