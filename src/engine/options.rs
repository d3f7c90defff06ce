//! [`EngineOptions`]: memory limit, spill folder and parallelism for a lake's DataFusion session.

use std::path::PathBuf;
use std::time::Duration;

/// How the query engine uses the machine.
#[derive(Clone, Debug, Default)]
pub struct EngineOptions {
    /// Memory the engine may use before spilling or failing; `None`: half of this machine's RAM.
    pub memory_limit: Option<MemoryLimit>,
    /// Where sorts and joins spill when over the limit; `None`: the OS temp folder.
    pub spill_dir: Option<PathBuf>,
    /// Partitions a query runs in (each scan reads this many files at once); `None`: one per
    /// core locally, four per core (8 to 32) on S3, where reads wait on the network.
    pub target_partitions: Option<usize>,
    /// How long a table's file listing may be reused; `None` lists on every query so new files
    /// are seen at once (DataFusion would otherwise cache listings forever).
    pub listing_cache_ttl: Option<Duration>,
    /// Retries and timeouts for S3 requests.
    pub s3: crate::lake::S3Tuning,
    /// How much reading may go into finding the file that broke a query.
    pub diagnose_budget: DiagnoseBudget,
    /// Keep the Parquet columns queries read in memory for the next query, up to a quarter of
    /// the memory limit (see `engine::hot`): for engines that run the same queries again (the
    /// window, `watch`, `backtest`), not for a one-off query.
    pub hot_cache: bool,
    /// With the hot cache, how long one dashboard visual's listing of a table serves the next
    /// visuals, unless files landed in it (`Engine::files_landed`); `None`: 1 s, so the visuals
    /// of one refresh list each table once.
    pub hot_listing_reuse: Option<Duration>,
    /// Keep Parquet footers on disk under this cache folder between processes (see
    /// `engine::footers`; `crate::lake::cache_dir()` is the user's); `None`: in memory only.
    pub footer_cache: Option<PathBuf>,
    /// Run every query on this Ballista cluster (`--cluster df://host:port`); `None`: here.
    pub cluster: Option<super::cluster::ClusterUrl>,
    /// Reach the cluster's scheduler over TLS, checking its certificate against this CA
    /// (`--cluster-ca`); `None`: plain gRPC.
    pub cluster_tls: Option<super::cluster::tls::ClusterTls>,
    /// Send the profile's short-lived keys with each query, for the cluster to read the lake with
    /// (`--forward-credentials`; refused without `cluster_tls`).
    pub forward_credentials: bool,
}

/// A limit on the files read, one by one, to find the one that a Parquet or Arrow reader could not
/// decode. Past it the error is shown without the file's name, rather than after reading a whole
/// S3 table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiagnoseBudget {
    /// Files read at most, across the failing query's tables.
    pub max_files: usize,
    /// Time spent listing and reading them at most.
    pub max_time: Duration,
}

impl Default for DiagnoseBudget {
    fn default() -> Self {
        Self {
            max_files: 200,
            max_time: Duration::from_secs(10),
        }
    }
}

/// A memory limit: bytes, or a share of the machine's RAM.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MemoryLimit {
    /// An absolute number of bytes.
    Bytes(u64),
    /// A fraction of total RAM, in (0, 1].
    Fraction(f64),
}

/// The share of RAM used when no limit is given.
pub const DEFAULT_MEMORY_FRACTION: f64 = 0.5;

impl MemoryLimit {
    /// The limit in bytes on a machine with `total_ram` bytes.
    pub fn bytes(self, total_ram: u64) -> u64 {
        match self {
            Self::Bytes(bytes) => bytes,
            Self::Fraction(fraction) => (total_ram as f64 * fraction) as u64,
        }
    }
}

/// The smallest and largest memory limit in bytes: below 1 MiB no query can run, and no machine
/// has 1 PiB of RAM.
pub const MEMORY_LIMIT_BYTES_RANGE: (u64, u64) = (1 << 20, 1 << 50);

/// A memory limit that cannot be parsed or is out of range.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MemoryLimitError {
    /// Not a number with a unit, nor a percentage.
    #[error("`{0}` is not a memory size: write e.g. 4GiB, 512MB or 50%")]
    NotASize(String),
    /// A percentage outside (0%, 100%].
    #[error("`{0}`: a share of RAM must be more than 0% and at most 100%")]
    Share(String),
    /// A size outside [`MEMORY_LIMIT_BYTES_RANGE`].
    #[error("`{0}`: a memory limit must be from 1MiB to 1PiB")]
    Size(String),
}

impl std::str::FromStr for MemoryLimit {
    type Err = MemoryLimitError;

    /// Parses `4GiB`, `512MB`, `2g`, `1073741824` or `50%`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let invalid = || MemoryLimitError::NotASize(s.to_owned());
        if let Some(percent) = text.strip_suffix('%') {
            let value: f64 = percent.trim().parse().map_err(|_| invalid())?;
            if !(value > 0.0 && value <= 100.0) {
                return Err(MemoryLimitError::Share(s.to_owned()));
            }
            return Ok(Self::Fraction(value / 100.0));
        }
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let value: f64 = number.parse().map_err(|_| invalid())?;
        let multiplier: f64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1.0,
            "k" | "kb" => 1e3,
            "kib" => 1024.0,
            "m" | "mb" => 1e6,
            "mib" => 1024.0 * 1024.0,
            "g" | "gb" => 1e9,
            "gib" => 1024.0 * 1024.0 * 1024.0,
            "t" | "tb" => 1e12,
            "tib" => 1024.0_f64.powi(4),
            "p" | "pb" => 1e15,
            "pib" => 1024.0_f64.powi(5),
            _ => return Err(invalid()),
        };
        let bytes = value * multiplier;
        let (smallest, largest) = MEMORY_LIMIT_BYTES_RANGE;
        if !(bytes >= smallest as f64 && bytes <= largest as f64) {
            return Err(MemoryLimitError::Size(s.to_owned()));
        }
        Ok(Self::Bytes(bytes as u64))
    }
}

/// Total RAM of this machine in bytes.
pub fn total_ram_bytes() -> u64 {
    let mut system = sysinfo::System::new();
    system.refresh_memory();
    system.total_memory()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ends_of_the_range_the_message_names_are_accepted() {
        assert_eq!("1PiB".parse(), Ok(MemoryLimit::Bytes(1 << 50)));
        assert_eq!("1MiB".parse(), Ok(MemoryLimit::Bytes(1 << 20)));
        assert_eq!("1PB".parse(), Ok(MemoryLimit::Bytes(1_000_000_000_000_000)));
        assert_eq!(
            "2PiB".parse::<MemoryLimit>(),
            Err(MemoryLimitError::Size("2PiB".into()))
        );
    }

    #[test]
    fn parses_sizes_and_shares() {
        assert_eq!(
            "4GiB".parse(),
            Ok(MemoryLimit::Bytes(4 * 1024 * 1024 * 1024))
        );
        assert_eq!("512MB".parse(), Ok(MemoryLimit::Bytes(512_000_000)));
        assert_eq!("2g".parse(), Ok(MemoryLimit::Bytes(2_000_000_000)));
        assert_eq!("25%".parse(), Ok(MemoryLimit::Fraction(0.25)));
        assert!("lots".parse::<MemoryLimit>().is_err());
        assert!("150%".parse::<MemoryLimit>().is_err());
        assert_eq!(MemoryLimit::Fraction(0.5).bytes(8_000), 4_000);
    }

    #[test]
    fn refuses_sizes_no_query_could_use() {
        for bad in [
            "0", "-5", "0%", "200%", "nan%", "inf%", "1e30GiB", "0.5", "1023KiB", "2PB",
        ] {
            assert!(bad.parse::<MemoryLimit>().is_err(), "{bad}");
        }
        assert_eq!(
            "100000TiB".parse::<MemoryLimit>(),
            Err(MemoryLimitError::Size("100000TiB".to_owned()))
        );
        assert_eq!("1MiB".parse(), Ok(MemoryLimit::Bytes(1 << 20)));
        assert_eq!("1024TiB".parse(), Ok(MemoryLimit::Bytes(1 << 50)));
    }
}
