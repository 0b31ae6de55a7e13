package dev.pgcdc.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.ast.Assign;
import org.springframework.expression.spel.ast.BeanReference;
import org.springframework.expression.spel.ast.ConstructorReference;
import org.springframework.expression.spel.ast.FunctionReference;
import org.springframework.expression.spel.ast.MethodReference;
import org.springframework.expression.spel.ast.OpDec;
import org.springframework.expression.spel.ast.OpInc;
import org.springframework.expression.spel.ast.TypeReference;

/**
 * Finds, in a parsed condition, the SpEL constructs that its read-only evaluation context
 * cannot run: type references ({@code T(...)}), bean references, constructors, method and
 * function calls, assignments, increments and decrements. Each would fail on the first event,
 * so they fail start-up instead.
 */
final class ForbiddenConstructs {

	// by the node's exact class: SpEL does not subclass its AST node types
	private static final Map<Class<? extends SpelNode>, String> CONSTRUCTS = Map.of(
			TypeReference.class, "type reference",
			BeanReference.class, "bean reference",
			ConstructorReference.class, "constructor",
			MethodReference.class, "method call",
			FunctionReference.class, "function call",
			Assign.class, "assignment",
			OpInc.class, "increment",
			OpDec.class, "decrement");

	private ForbiddenConstructs() {
	}

	/**
	 * @param ast the parsed condition
	 * @return each forbidden construct with its text and position, in the order they appear in
	 * the tree; empty when there is none
	 */
	static List<String> find(SpelNode ast) {
		List<String> found = new ArrayList<>();
		collect(ast, found);
		return found;
	}

	private static void collect(SpelNode node, List<String> found) {
		String construct = CONSTRUCTS.get(node.getClass());
		if (construct != null) {
			found.add(construct + " " + node.toStringAST() + " at position " + node.getStartPosition());
		}
		if (node instanceof TypeReference) {
			// its children are the type's name, nothing more to report
			return;
		}
		for (int i = 0; i < node.getChildCount(); i++) {
			collect(node.getChild(i), found);
		}
	}

}
