//! An HTTP/1.1 proxy between the client and the real portal that breaks
//! things on purpose: refuses connections, loses replies after the portal
//! committed, answers 500 without asking the portal, stalls past the
//! client's timeout, cuts bodies short. It frames messages itself
//! (Content-Length and chunked), so it knows where each reply ends.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Reads one HTTP/1.1 message: headers, then a Content-Length or chunked body.
pub async fn read_message(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let chunked = head
        .lines()
        .any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked"));
    if !chunked {
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < header_end + len {
            let n = s.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        buf.truncate(header_end + len);
        return Some(buf);
    }
    // Chunked: size line, data, CRLF … until the zero-size chunk and its CRLF.
    let mut at = header_end;
    loop {
        let line_end = loop {
            if let Some(i) = buf[at..].windows(2).position(|w| w == b"\r\n") {
                break at + i;
            }
            let n = s.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let size_text = String::from_utf8_lossy(&buf[at..line_end]).to_string();
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        let need = line_end + 2 + size + 2;
        while buf.len() < need {
            let n = s.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        at = need;
        if size == 0 {
            buf.truncate(at);
            return Some(buf);
        }
    }
}

/// What the proxy does to requests.
pub const PASS: u8 = 0;
/// Connections are cut at once: the portal is unreachable.
pub const DOWN: u8 = 1;
/// The next application write reaches the portal, which commits; the reply
/// is then lost.
pub const LOSE_NEXT_WRITE_REPLY: u8 = 2;
/// A share of requests (see [`FaultProxy::rate_percent`]) meets one of the
/// faults of [`Fault`], in turn.
pub const FAULTY: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The connection is reset before the request reaches the portal.
    ResetBefore,
    /// The portal handles the request; the connection is reset before the reply.
    ResetAfter,
    /// A 500 from "the proxy", the portal never asked.
    ServerError,
    /// The portal handles the request; the reply is held past the client's
    /// timeout, then the connection closes.
    Stall,
    /// The portal handles the request; half of the reply arrives, then the
    /// connection closes.
    Truncate,
}

const FAULTS: [Fault; 5] = [
    Fault::ResetBefore,
    Fault::ResetAfter,
    Fault::ServerError,
    Fault::Stall,
    Fault::Truncate,
];

pub struct FaultProxy {
    pub url: String,
    pub mode: Arc<AtomicU8>,
    state: Arc<State>,
}

struct State {
    rate_percent: AtomicU64,
    stall: Mutex<Duration>,
    dice: Mutex<u64>,
    requests: AtomicU64,
    injected: Mutex<Vec<Fault>>,
    /// While true, change-feed requests wait here before the portal.
    hold_feed: tokio::sync::watch::Sender<bool>,
    /// Change-feed requests waiting now.
    held: AtomicU64,
    /// Every request forwarded to the portal, in any mode.
    forwarded: AtomicU64,
}

impl State {
    fn roll(&self) -> u64 {
        let mut d = self.dice.lock().unwrap();
        *d ^= *d << 13;
        *d ^= *d >> 7;
        *d ^= *d << 17;
        *d
    }

    /// The fault for this request, if any.
    fn pick(&self) -> Option<Fault> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if self.roll() % 100 >= self.rate_percent.load(Ordering::SeqCst) {
            return None;
        }
        let mut injected = self.injected.lock().unwrap();
        let f = FAULTS[injected.len() % FAULTS.len()];
        injected.push(f);
        Some(f)
    }
}

impl FaultProxy {
    /// A proxy to `upstream`, passing everything until told otherwise.
    pub async fn start(upstream: SocketAddr, seed: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(AtomicU8::new(PASS));
        let state = Arc::new(State {
            rate_percent: AtomicU64::new(30),
            stall: Mutex::new(Duration::from_secs(2)),
            dice: Mutex::new(seed | 1),
            requests: AtomicU64::new(0),
            injected: Mutex::new(Vec::new()),
            hold_feed: tokio::sync::watch::channel(false).0,
            held: AtomicU64::new(0),
            forwarded: AtomicU64::new(0),
        });
        let (m, st) = (mode.clone(), state.clone());
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(client, upstream, m.clone(), st.clone()));
            }
        });
        Self {
            url: format!("http://{addr}"),
            mode,
            state,
        }
    }

    pub fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    /// What the proxy does now ([`LOSE_NEXT_WRITE_REPLY`] turns into
    /// [`PASS`] once a reply was lost).
    pub fn mode(&self) -> u8 {
        self.mode.load(Ordering::SeqCst)
    }

    pub fn rate_percent(&self, p: u64) {
        self.state.rate_percent.store(p, Ordering::SeqCst);
    }

    pub fn stall(&self, d: Duration) {
        *self.state.stall.lock().unwrap() = d;
    }

    /// Holds change-feed requests (`GET …/changes`) before the portal
    /// until called with `false`: a sync then waits on the network.
    pub fn hold_feed(&self, on: bool) {
        self.state.hold_feed.send_replace(on);
    }

    /// Change-feed requests held now.
    pub fn feed_held(&self) -> u64 {
        self.state.held.load(Ordering::SeqCst)
    }

    /// Requests forwarded to the portal so far (a held one once it goes).
    pub fn forwarded(&self) -> u64 {
        self.state.forwarded.load(Ordering::SeqCst)
    }

    /// Requests seen in FAULTY mode, and the faults injected, in order.
    pub fn stats(&self) -> (u64, Vec<Fault>) {
        (
            self.state.requests.load(Ordering::SeqCst),
            self.state.injected.lock().unwrap().clone(),
        )
    }
}

async fn serve(mut client: TcpStream, upstream: SocketAddr, mode: Arc<AtomicU8>, st: Arc<State>) {
    if mode.load(Ordering::SeqCst) == DOWN {
        return;
    }
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    while let Some(req) = read_message(&mut client).await {
        let now = mode.load(Ordering::SeqCst);
        if now == DOWN {
            return;
        }
        let fault = if now == FAULTY { st.pick() } else { None };
        match fault {
            Some(Fault::ResetBefore) => return,
            Some(Fault::ServerError) => {
                let body = "upstream failure";
                let _ = client
                    .write_all(
                        format!(
                            "HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .await;
                return;
            }
            _ => {}
        }
        let is_write = req.starts_with(b"POST ") && {
            let line = String::from_utf8_lossy(&req[..req.len().min(200)]);
            ["/applications", "/support/tickets", "/profile/changes"]
                .iter()
                .any(|p| line.contains(p))
        };
        let is_feed = req.starts_with(b"GET ") && {
            let line = String::from_utf8_lossy(&req[..req.len().min(300)]);
            line.lines().next().is_some_and(|l| l.contains("/changes"))
        };
        if is_feed && *st.hold_feed.borrow() {
            st.held.fetch_add(1, Ordering::SeqCst);
            let mut released = st.hold_feed.subscribe();
            let _ = released.wait_for(|on| !*on).await;
            st.held.fetch_sub(1, Ordering::SeqCst);
        }
        st.forwarded.fetch_add(1, Ordering::SeqCst);
        if server.write_all(&req).await.is_err() {
            return;
        }
        let Some(resp) = read_message(&mut server).await else {
            return;
        };
        match fault {
            Some(Fault::ResetAfter) => return,
            Some(Fault::Stall) => {
                let pause = *st.stall.lock().unwrap();
                tokio::time::sleep(pause).await;
                return;
            }
            Some(Fault::Truncate) => {
                // Headers whole, the body cut in the middle.
                let head = resp
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .map_or(0, |i| i + 4);
                let cut =
                    (head + (resp.len() - head) / 2).clamp(1, resp.len().saturating_sub(1).max(1));
                let _ = client.write_all(&resp[..cut]).await;
                return;
            }
            _ => {}
        }
        if is_write
            && mode
                .compare_exchange(
                    LOSE_NEXT_WRITE_REPLY,
                    PASS,
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                )
                .is_ok()
        {
            // The portal answered (so it committed); the client never hears it.
            return;
        }
        if client.write_all(&resp).await.is_err() {
            return;
        }
    }
}
