package dev.pgcdc.benchmark;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.postgresql.replication.LogSequenceNumber;

/**
 * {@code pgoutput} messages captured from a real server (by {@code FixtureCapture} in
 * cdc-core's tests), read from a classpath resource: one message per line,
 * {@code <lsn> <hex bytes>}, {@code #} comment lines, optionally gzipped.
 *
 * @param lsns the LSN of each message
 * @param messages each message, as a heap buffer over its own array
 */
public record CapturedFrames(List<LogSequenceNumber> lsns, List<ByteBuffer> messages) {

	/**
	 * Load frames from the classpath.
	 * @param resource the resource name, for example {@code /pgoutput/bench_text.txt.gz}
	 * @return the frames in capture order
	 */
	public static CapturedFrames load(String resource) {
		try (InputStream raw = CapturedFrames.class.getResourceAsStream(resource)) {
			if (raw == null) {
				throw new IllegalStateException("No captured frames at " + resource);
			}
			InputStream in = resource.endsWith(".gz") ? new GZIPInputStream(raw) : raw;
			List<LogSequenceNumber> lsns = new ArrayList<>();
			List<ByteBuffer> messages = new ArrayList<>();
			for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
				if (line.isBlank() || line.startsWith("#")) {
					continue;
				}
				int space = line.indexOf(' ');
				lsns.add(LogSequenceNumber.valueOf(line.substring(0, space)));
				messages.add(ByteBuffer.wrap(HexFormat.of().parseHex(line.substring(space + 1).trim())));
			}
			return new CapturedFrames(List.copyOf(lsns), List.copyOf(messages));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read captured frames " + resource, ex);
		}
	}

	/** @return the number of messages */
	public int size() {
		return this.messages.size();
	}

}
