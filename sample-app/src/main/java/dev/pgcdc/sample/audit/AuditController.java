package dev.pgcdc.sample.audit;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.pgcdc.sample.audit.AuditLog.AuditEntry;

/**
 * {@code GET /api/audit}: the latest audited changes.
 */
@RestController
class AuditController {

	private final AuditLog auditLog;

	AuditController(AuditLog auditLog) {
		this.auditLog = auditLog;
	}

	@GetMapping("/api/audit")
	List<AuditEntry> entries() {
		return this.auditLog.entries();
	}

}
