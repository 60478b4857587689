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
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Message {
        start: start.trim_end().to_owned(),
        headers,
        body,
    })
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
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    let mut all = vec![("Host".to_owned(), format!("127.0.0.1:{port}"))];
    all.extend_from_slice(headers);
    write_message(&mut stream, &format!("GET {path} HTTP/1.1"), &all, b"")?;
    read_message(&mut stream)
}
