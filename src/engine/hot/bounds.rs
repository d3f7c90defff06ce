//! The smallest and largest value of each cached column of a file, so that a filter such as a
//! time range can often be known to keep all of a file's rows, or none, without evaluating it
//! row by row.

use std::cmp::Ordering::{Equal, Greater, Less};
use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::common::ScalarValue;
use datafusion::functions_aggregate::min_max::{MaxAccumulator, MinAccumulator};
use datafusion::logical_expr::{Accumulator, Operator};
use datafusion::physical_expr::expressions::{BinaryExpr, Column, Literal};
use datafusion::physical_expr::{PhysicalExpr, split_conjunction};

/// A column's range of values in one file.
#[derive(Clone, Debug, PartialEq)]
pub struct Bounds {
    pub min: ScalarValue,
    pub max: ScalarValue,
    /// Whether some values are null (a comparison with null keeps no row).
    pub nulls: bool,
}

impl Bounds {
    /// The bounds of `array`, for numbers, times and dates (what time ranges and thresholds
    /// compare; strings would cost more to scan than they save), when some value is not null.
    pub fn of(array: &ArrayRef) -> Option<Arc<Self>> {
        if !array.data_type().is_primitive() {
            return None;
        }
        let mut min = MinAccumulator::try_new(array.data_type()).ok()?;
        let mut max = MaxAccumulator::try_new(array.data_type()).ok()?;
        min.update_batch(std::slice::from_ref(array)).ok()?;
        max.update_batch(std::slice::from_ref(array)).ok()?;
        let (min, max) = (min.evaluate().ok()?, max.evaluate().ok()?);
        (!min.is_null() && !max.is_null()).then(|| {
            Arc::new(Self {
                min,
                max,
                nulls: array.null_count() > 0,
            })
        })
    }

    /// One value (a partition column: every row of the file has it).
    pub fn single(value: &ScalarValue) -> Option<Arc<Self>> {
        (!value.is_null()).then(|| {
            Arc::new(Self {
                min: value.clone(),
                max: value.clone(),
                nulls: false,
            })
        })
    }
}

/// What the bounds tell of a filter over one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passing {
    /// Every row passes.
    All,
    /// No row passes.
    None,
    /// Only evaluating it tells.
    Unknown,
}

/// Which of a file's rows `predicate` keeps, as far as the bounds of its columns tell
/// (`bounds[i]`: the column at index `i` of the predicate's input). Only comparisons of a column
/// with a literal, joined by `AND`, are read; anything else is [`Passing::Unknown`].
pub fn passing(predicate: &Arc<dyn PhysicalExpr>, bounds: &[Option<Arc<Bounds>>]) -> Passing {
    let mut all = true;
    for conjunct in split_conjunction(predicate) {
        match compare(conjunct, bounds) {
            Passing::None => return Passing::None,
            Passing::Unknown => all = false,
            Passing::All => {}
        }
    }
    if all { Passing::All } else { Passing::Unknown }
}

/// One comparison of a column with a literal, against the column's bounds.
fn compare(expr: &Arc<dyn PhysicalExpr>, bounds: &[Option<Arc<Bounds>>]) -> Passing {
    let Some(binary) = expr.downcast_ref::<BinaryExpr>() else {
        return Passing::Unknown;
    };
    let (left, right) = (binary.left(), binary.right());
    let (column, op, literal) = match (
        left.downcast_ref::<Column>(),
        right.downcast_ref::<Literal>(),
        left.downcast_ref::<Literal>(),
        right.downcast_ref::<Column>(),
    ) {
        (Some(column), Some(literal), _, _) => (column, *binary.op(), literal),
        (_, _, Some(literal), Some(column)) => match binary.op().swap() {
            Some(op) => (column, op, literal),
            None => return Passing::Unknown,
        },
        _ => return Passing::Unknown,
    };
    let Some(Some(bounds)) = bounds.get(column.index()) else {
        return Passing::Unknown;
    };
    let value = literal.value();
    if value.is_null() {
        return Passing::Unknown;
    }
    let (Some(min), Some(max)) = (bounds.min.partial_cmp(value), bounds.max.partial_cmp(value))
    else {
        // Values of different types: no telling.
        return Passing::Unknown;
    };
    let (all, none) = match op {
        Operator::GtEq => (min != Less, max == Less),
        Operator::Gt => (min == Greater, max != Greater),
        Operator::LtEq => (max != Greater, min == Greater),
        Operator::Lt => (max == Less, min != Less),
        Operator::Eq => (min == Equal && max == Equal, max == Less || min == Greater),
        _ => return Passing::Unknown,
    };
    if none {
        Passing::None
    } else if all && !bounds.nulls {
        Passing::All
    } else {
        Passing::Unknown
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use datafusion::arrow::array::Int64Array;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::physical_expr::expressions::{binary, col, lit};

    use super::*;

    fn bounds(values: Vec<Option<i64>>) -> Vec<Option<Arc<Bounds>>> {
        let array: ArrayRef = Arc::new(Int64Array::from(values));
        vec![Bounds::of(&array)]
    }

    fn predicate(op: Operator, value: i64, literal_first: bool) -> Arc<dyn PhysicalExpr> {
        let schema = Schema::new(vec![Field::new("t", DataType::Int64, true)]);
        let column = col("t", &schema).unwrap();
        if literal_first {
            binary(lit(value), op, column, &schema).unwrap()
        } else {
            binary(column, op, lit(value), &schema).unwrap()
        }
    }

    #[test]
    fn bounds_tell_all_or_none_only_when_sure() {
        let file = bounds(vec![Some(10), Some(20), Some(30)]);
        let cases = [
            (Operator::GtEq, 10, Passing::All),
            (Operator::GtEq, 11, Passing::Unknown),
            (Operator::GtEq, 31, Passing::None),
            (Operator::Gt, 9, Passing::All),
            (Operator::Gt, 30, Passing::None),
            (Operator::Lt, 31, Passing::All),
            (Operator::Lt, 30, Passing::Unknown),
            (Operator::Lt, 10, Passing::None),
            (Operator::LtEq, 30, Passing::All),
            (Operator::LtEq, 9, Passing::None),
            (Operator::Eq, 20, Passing::Unknown),
            (Operator::Eq, 40, Passing::None),
            (Operator::NotEq, 40, Passing::Unknown),
        ];
        for (op, value, expected) in cases {
            assert_eq!(
                passing(&predicate(op, value, false), &file),
                expected,
                "t {op} {value}"
            );
        }
        // `10 <= t` reads as `t >= 10`.
        assert_eq!(
            passing(&predicate(Operator::LtEq, 10, true), &file),
            Passing::All
        );
        // A range: both ends must hold.
        let schema = Schema::new(vec![Field::new("t", DataType::Int64, true)]);
        let range = |from: i64, to: i64| {
            binary(
                predicate(Operator::GtEq, from, false),
                Operator::And,
                predicate(Operator::Lt, to, false),
                &schema,
            )
            .unwrap()
        };
        assert_eq!(passing(&range(0, 100), &file), Passing::All);
        assert_eq!(passing(&range(15, 100), &file), Passing::Unknown);
        assert_eq!(passing(&range(40, 100), &file), Passing::None);
        // A null never passes a comparison: with nulls, "all" is never claimed.
        let with_nulls = bounds(vec![Some(10), None, Some(30)]);
        assert_eq!(passing(&range(0, 100), &with_nulls), Passing::Unknown);
        assert_eq!(passing(&range(40, 100), &with_nulls), Passing::None);
        // No bounds known: unknown.
        assert_eq!(passing(&range(0, 100), &[None]), Passing::Unknown);
    }
}
