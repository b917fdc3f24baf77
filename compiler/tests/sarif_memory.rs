//! SARIF for 200,000 diagnostics is streamed: the memory it needs beyond the
//! diagnostics themselves stays bounded, and its size is linear in their number
//! (building the whole log as one JSON value took 4 GB before). Its own test binary,
//! so that the counting allocator sees this test alone.

use scalpel_compiler::diag::{render, Code, Diagnostic};
use scalpel_compiler::source::{SourceMap, Span};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Counts what is written, keeps nothing.
struct Sink(usize);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `count` diagnostics, each on its own line of one file, and that file.
fn diagnostics(count: usize) -> (Vec<Diagnostic>, SourceMap) {
    let line = "        detect usr == \"x\"\n";
    let mut sources = SourceMap::new();
    let file = sources.add("many.det", line.repeat(count));
    let diags = (0..count)
        .map(|n| {
            let at = n * line.len() + 15;
            Diagnostic::new(Code::UnknownField, "no field `usr` in schema `vpn`")
                .primary(Span::new(file, at, at + 3), "not a field of `vpn`")
                .help("did you mean `user.name`?")
        })
        .collect();
    (diags, sources)
}

/// Bytes written, and the peak of bytes allocated while writing.
fn sarif(count: usize) -> (usize, usize) {
    let (diags, sources) = diagnostics(count);
    let mut sink = Sink(0);
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    render::write_sarif(&mut sink, &[(&diags, &sources)], "test").expect("written");
    (sink.0, PEAK.load(Ordering::Relaxed) - before)
}

#[test]
fn sarif_is_streamed_in_bounded_memory_and_linear_size() {
    let (small_bytes, small_peak) = sarif(20_000);
    let (bytes, peak) = sarif(200_000);
    eprintln!("SARIF: 20,000 diagnostics {small_bytes} bytes, peak {small_peak}; 200,000: {bytes} bytes, peak {peak}");
    assert!(bytes > 190_000 * 100, "every result is written: {bytes} bytes");
    // Ten times the diagnostics, ten times the bytes (give or take the header).
    let ratio = bytes as f64 / small_bytes as f64;
    assert!((9.9..10.1).contains(&ratio), "{small_bytes} → {bytes}: ratio {ratio}");
    // What writing needs besides the diagnostics does not grow with them: the rule
    // table and one result at a time (a few kB), not a 4 GB document.
    assert!(peak < 256 * 1024, "peak {peak} bytes for 200,000 diagnostics");
    assert!(peak < small_peak * 2 + 64 * 1024, "{small_peak} → {peak}");

    // And it is one valid SARIF log with every result.
    let (diags, sources) = diagnostics(1_000);
    let mut bytes = Vec::new();
    render::write_sarif(&mut bytes, &[(&diags, &sources)], "test").expect("written");
    let log: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(1_000));
    assert_eq!(log["runs"][0]["tool"]["driver"]["rules"][0]["id"], "E0102");
}
