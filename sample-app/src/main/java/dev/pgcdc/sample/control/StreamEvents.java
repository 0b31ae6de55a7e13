package dev.pgcdc.sample.control;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import dev.pgcdc.CdcSubscriptionChangedEvent;
import dev.pgcdc.CdcStreamStateChangedEvent;
import dev.pgcdc.sample.activity.ActivityLog;

/**
 * Puts the starter's application events on the page: a subscription switched on or off, and
 * every state change of the stream (a reconnect shows up here as it happens).
 */
@Component
class StreamEvents {

	private final ActivityLog activity;

	StreamEvents(ActivityLog activity) {
		this.activity = activity;
	}

	@EventListener
	void subscriptionChanged(CdcSubscriptionChangedEvent event) {
		this.activity.record("control", event.getTable() + " " + event.getChange().name().toLowerCase());
	}

	@EventListener
	void streamStateChanged(CdcStreamStateChangedEvent event) {
		this.activity.record("stream", event.getPrevious() + " → " + event.getCurrent()
				+ ((event.getCause() != null) ? " (" + event.getCause().getMessage() + ")" : ""));
	}

}
