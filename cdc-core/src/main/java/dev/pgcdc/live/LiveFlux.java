package dev.pgcdc.live;

import org.jspecify.annotations.Nullable;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.filter.reactive.ServerWebExchangeContextFilter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.util.context.ContextView;

/**
 * {@link LiveQueries#flux}: a live query's session carried by a Reactor {@link FluxSink} of
 * Server-Sent Events. Loaded only when called (needs reactor-core).
 */
final class LiveFlux implements LiveSessions.Outlet {

	private static final ServerSentEvent<?> HEARTBEAT = ServerSentEvent.builder().comment("").build();

	private final FluxSink<ServerSentEvent<?>> sink;

	private LiveFlux(FluxSink<ServerSentEvent<?>> sink) {
		this.sink = sink;
	}

	/** Each subscription is one client connection. */
	static Flux<ServerSentEvent<?>> flux(LiveSessions sessions, Shape shape, @Nullable String lastEventId) {
		return Flux.create((FluxSink<ServerSentEvent<?>> sink) -> sessions.open(shape, lastEventId, new LiveFlux(sink)));
	}

	/** The {@code Last-Event-ID} of the WebFlux request, when {@link ServerWebExchangeContextFilter} put it in the context. */
	static Flux<ServerSentEvent<?>> flux(LiveSessions sessions, Shape shape) {
		return Flux.deferContextual((context) -> flux(sessions, shape, lastEventId(context)));
	}

	private static @Nullable String lastEventId(ContextView context) {
		if (!context.hasKey(ServerWebExchangeContextFilter.EXCHANGE_CONTEXT_ATTRIBUTE)) {
			return null;
		}
		return ServerWebExchangeContextFilter.getExchange(context)
			.map((exchange) -> LiveSessions.lastEventId(exchange.getRequest().getHeaders().getFirst(LiveSessions.LAST_EVENT_ID)))
			.orElse(null);
	}

	@Override
	public boolean send(LiveSessions.Event event) {
		ServerSentEvent.Builder<Object> builder = ServerSentEvent.builder(event.data()).event(event.name());
		String id = event.id();
		this.sink.next(((id != null) ? builder.id(id) : builder).build());
		return !this.sink.isCancelled();
	}

	@Override
	public boolean heartbeat() {
		this.sink.next(HEARTBEAT);
		return !this.sink.isCancelled();
	}

	@Override
	public void complete() {
		this.sink.complete();
	}

	@Override
	public void onEnd(Runnable callback) {
		this.sink.onDispose(callback::run);
	}

}
