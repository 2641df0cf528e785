// Server-Sent Events over fetch(): EventSource cannot POST a JSON body, so we parse the stream ourselves.
// Follows the WHATWG event-stream rules we need: `event:`/`data:` fields, multi-line data, `:` comments
// (keep-alive pings), blank line ends an event, CR/LF/CRLF line endings.

function parseBlock(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const i = line.indexOf(":");
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? "" : line.slice(i + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return data.length ? { event, data: data.join("\n") } : null;
}

/** Yields {event, data} for each complete event of a fetch Response body. */
export async function* readEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let pendingCR = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      // A CR at the end of one chunk may be the first half of a CRLF split across chunks: hold it back.
      let text = (pendingCR ? "\r" : "") + value;
      pendingCR = text.endsWith("\r");
      if (pendingCR) text = text.slice(0, -1);
      buffer += text.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const parsed = parseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (parsed) yield parsed;
      }
    }
    const tail = parseBlock(buffer + (pendingCR ? "\n" : ""));
    if (tail) yield tail;
  } finally {
    reader.releaseLock();
  }
}

export const _parseBlockForTests = parseBlock;
