package dev.pgcdc.live;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/** {@link LiveQueries#flux}: a live query as Reactor's Server-Sent Events; loaded only when called. */
final class LiveFlux {

	private LiveFlux() {
	}

	static Flux<ServerSentEvent<?>> flux(LiveQueries live, Shape shape) {
		return Flux.create((FluxSink<ServerSentEvent<?>> sink) -> {
			LiveQuery query = live.subscribe(shape, new LiveQueryListener() {

				@Override
				public void onSnapshot(List<Map<String, @Nullable Object>> rows, String position) {
					sink.next(ServerSentEvent.builder(LiveSse.snapshot(rows, position)).event("snapshot").id(position)
						.build());
				}

				@Override
				public void onChange(ShapeChange change) {
					sink.next(ServerSentEvent.builder(change).event("change").id(change.position()).build());
				}

				@Override
				public void onReset(String reason) {
					sink.next(ServerSentEvent.builder(LiveSse.reset(reason)).event("reset").build());
				}

			});
			sink.onDispose(query::close);
		});
	}

}
