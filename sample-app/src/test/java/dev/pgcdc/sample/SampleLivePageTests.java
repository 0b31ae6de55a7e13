package dev.pgcdc.sample;

import java.io.IOException;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live page (a live query per user) in headless Chromium, two windows on two users: a todo
 * inserted with SQL appears only in its user's window, and a todo moved to the other user
 * leaves one window and enters the other. Skipped without a browser, as {@link SamplePageTests}.
 */
@SampleAppTest
@ExtendWith(SamplePageTests.BrowserInstalled.class)
class SampleLivePageTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	@LocalServerPort
	int port;

	@Autowired
	Environment environment;

	@BeforeAll
	static void startBrowser() throws IOException {
		SamplePageTests.startBrowser();
	}

	@AfterAll
	static void stopBrowser() {
		SamplePageTests.stopBrowser();
	}

	@Test
	void twoWindowsOnTwoUsersEachShowOnlyTheirTodosAndAMovedTodoChangesWindow() {
		WebDriver browser = SamplePageTests.browser;
		OutsideClient sql = OutsideClient.of(this.environment);
		long ada = sql.queryLongs("SELECT id FROM users WHERE email = 'ada@example.com'").get(0);
		long grace = sql.queryLongs("SELECT id FROM users WHERE email = 'grace@example.com'").get(0);
		String adaWindow = open(browser, ada);
		String graceWindow = browser.switchTo().newWindow(WindowType.WINDOW).getWindowHandle();
		open(browser, grace);
		browser.switchTo().window(adaWindow);
		long adaTodos = sql.queryLongs("SELECT count(*) FROM todos WHERE user_id = ?", ada).get(0);
		waitUntil(browser, ExpectedConditions.numberOfElementsToBe(By.cssSelector("#live-todos li"), (int) adaTodos));

		String title = "Live " + UUID.randomUUID().toString().substring(0, 8);
		sql.execute("INSERT INTO todos (user_id, title) VALUES (?, ?)", ada, title);
		waitUntil(browser, ExpectedConditions.presenceOfElementLocated(item(title)));
		long id = sql.queryLongs("SELECT id FROM todos WHERE title = ?", title).get(0);

		sql.execute("UPDATE todos SET user_id = ? WHERE id = ?", grace, id);
		waitUntil(browser, ExpectedConditions.numberOfElementsToBe(item(title), 0));
		browser.switchTo().window(graceWindow);
		waitUntil(browser, ExpectedConditions.presenceOfElementLocated(item(title)));
		assertThat(browser.findElements(item(title))).hasSize(1);

		sql.execute("UPDATE todos SET done = true WHERE id = ?", id);
		waitUntil(browser, ExpectedConditions.presenceOfElementLocated(
				By.xpath("//ul[@id='live-todos']/li[@class='done' and contains(., '" + title + "')]")));
		browser.close();
		browser.switchTo().window(adaWindow);
		assertThat(browser.findElements(item(title))).isEmpty();
	}

	private String open(WebDriver browser, long user) {
		browser.get("http://localhost:" + this.port + "/live.html?user=" + user);
		waitUntil(browser, ExpectedConditions.textToBe(By.id("live-connection"), "live"));
		return browser.getWindowHandle();
	}

	private static By item(String title) {
		return By.xpath("//ul[@id='live-todos']/li[contains(., '" + title + "')]");
	}

	private static <T> T waitUntil(WebDriver browser, org.openqa.selenium.support.ui.ExpectedCondition<T> condition) {
		return new WebDriverWait(browser, TIMEOUT).until(condition);
	}

}
