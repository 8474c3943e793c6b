// Reading a text stream line by line: the demo's input, and the output of the
// fixture processes in the tests.

/** The lines of `input` as they come, without their line ends. */
export async function* lines(
  input: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of input.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let end: number;
    while ((end = buffered.indexOf("\n")) !== -1) {
      yield buffered.slice(0, end).replace(/\r$/, "");
      buffered = buffered.slice(end + 1);
    }
  }
  if (buffered !== "") yield buffered.replace(/\r$/, "");
}
