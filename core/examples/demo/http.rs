//! A deliberately tiny HTTP/1.1 server and client over `std::net`, enough for the demo:
//! one request per connection, `Content-Length` bodies, headers matched case-insensitively.

use core::fmt::Write as _;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

/// A parsed request or response head plus body.
pub(crate) struct Message {
    /// Request line or status line.
    pub(crate) start: String,
    /// Header fields in order.
    pub(crate) headers: Vec<(String, String)>,
    /// The body.
    pub(crate) body: Vec<u8>,
}

impl Message {
    /// The first header with this name (ASCII case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The status code of a response.
    pub(crate) fn status(&self) -> u16 {
        self.start
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    /// The path of a request.
    pub(crate) fn path(&self) -> &str {
        self.start.split(' ').nth(1).unwrap_or("/")
    }
}

fn read_message(stream: &mut TcpStream) -> std::io::Result<Message> {
    let mut reader = BufReader::new(stream);
    let mut start = String::new();
    reader.read_line(&mut start)?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        read_chunked(&mut reader)?
    } else {
        let length = header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    };
    Ok(Message {
        start: start.trim_end().to_owned(),
        headers,
        body,
    })
}

/// A `Transfer-Encoding: chunked` body (RFC 9112 §7.1), as JSON-RPC nodes may answer.
fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size = size.trim_end().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size.trim(), 16)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "bad chunk size"))?;
        if size == 0 {
            return Ok(body);
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = String::new();
        reader.read_line(&mut crlf)?;
    }
}

fn write_message(
    stream: &mut TcpStream,
    start: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!("{start}\r\n");
    for (name, value) in headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    let _ = write!(
        head,
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

/// Serves `handle` on 127.0.0.1 (a free port) in a background thread; returns the port.
pub(crate) fn serve(
    handle: impl Fn(&Message) -> (u16, Vec<(String, String)>, Vec<u8>) + Send + 'static,
) -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Ok(request) = read_message(&mut stream) else {
                continue;
            };
            let (status, headers, body) = handle(&request);
            let reason = match status {
                200 => "OK",
                402 => "Payment Required",
                _ => "Error",
            };
            let _ = write_message(
                &mut stream,
                &format!("HTTP/1.1 {status} {reason}"),
                &headers,
                &body,
            );
        }
    });
    Ok(port)
}

/// Sends `GET path` with `headers` to 127.0.0.1:`port` and returns the response.
pub(crate) fn get(port: u16, path: &str, headers: &[(String, String)]) -> std::io::Result<Message> {
    request(port, "GET", path, headers, b"")
}

/// Sends `POST path` with a JSON `body` to 127.0.0.1:`port` and returns the response.
pub(crate) fn post_json(port: u16, path: &str, body: &[u8]) -> std::io::Result<Message> {
    let headers = [("Content-Type".to_owned(), "application/json".to_owned())];
    request(port, "POST", path, &headers, body)
}

fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<Message> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    let mut all = vec![("Host".to_owned(), format!("127.0.0.1:{port}"))];
    all.extend_from_slice(headers);
    write_message(
        &mut stream,
        &format!("{method} {path} HTTP/1.1"),
        &all,
        body,
    )?;
    read_message(&mut stream)
}
