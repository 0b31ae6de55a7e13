package dev.pgcdc.pgoutput;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.postgresql.replication.LogSequenceNumber;

/**
 * Reads the {@code pgoutput} fixtures under {@code src/test/resources/pgoutput}: one message
 * per line, {@code <lsn> <hex bytes>}; lines starting with {@code #} describe the capture.
 * {@link FixtureCapture} writes them from a real server.
 */
final class PgOutputFixtures {

	private PgOutputFixtures() {
	}

	/** One captured message: the LSN the slot reported and the raw bytes. */
	record Frame(LogSequenceNumber lsn, byte[] bytes) {

		ByteBuffer buffer() {
			return ByteBuffer.wrap(this.bytes);
		}

		char type() {
			return (char) this.bytes[0];
		}
	}

	static List<Frame> load(String name) {
		String resource = "/pgoutput/" + name + ".txt";
		try (InputStream in = PgOutputFixtures.class.getResourceAsStream(resource)) {
			if (in == null) {
				throw new IllegalStateException("No fixture " + resource + "; regenerate with FixtureCapture");
			}
			List<Frame> frames = new ArrayList<>();
			for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
				if (line.isBlank() || line.startsWith("#")) {
					continue;
				}
				String[] parts = line.trim().split(" ");
				frames.add(new Frame(LogSequenceNumber.valueOf(parts[0]), HexFormat.of().parseHex(parts[1])));
			}
			return frames;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Decode every frame of a fixture with one decoder, in order. */
	static List<PgOutputMessage> decode(String name, int protocolVersion, boolean parallelStreaming) {
		PgOutputDecoder decoder = new PgOutputDecoder(protocolVersion, parallelStreaming);
		List<PgOutputMessage> messages = new ArrayList<>();
		for (Frame frame : load(name)) {
			messages.add(decoder.decode(frame.buffer(), frame.lsn()));
		}
		return messages;
	}

}
