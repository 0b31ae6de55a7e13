package dev.pgcdc.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.util.FileSystemUtils;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The page in a real browser: Debian's headless Chromium driven by its chromedriver through
 * Selenium. Changes are made with plain SQL from outside the app, as psql would, and must
 * show up on the page through the change stream and server-sent events.
 * <p>
 * Needs {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} ({@code .ci/install-browser}
 * installs them; {@code -Dpgcdc.test.chromium=…} and {@code -Dpgcdc.test.chromedriver=…}, or
 * {@code PGCDC_TEST_CHROMIUM} and {@code PGCDC_TEST_CHROMEDRIVER}, point elsewhere). Without them
 * every test is reported as skipped, with the reason, before the application starts. Selenium
 * Manager is never asked to download anything: the driver and the browser are given explicitly.
 * Screenshots go to {@code target/screenshots/}. {@code -Dpgcdc.sample.screenshot=<file>} also runs
 * {@link #thePageForTheReadme}, which makes some activity and saves the page to that file (the
 * README's {@code docs/sample-page.png}; see docs/sample-page.md).
 */
@SampleAppTest
@ExtendWith(SamplePageTests.BrowserInstalled.class)
class SamplePageTests {

	static final Path CHROMIUM = executable("pgcdc.test.chromium", "/usr/bin/chromium");

	static final Path CHROMEDRIVER = executable("pgcdc.test.chromedriver", "/usr/bin/chromedriver");

	static final Path SCREENSHOTS = Paths.get("target", "screenshots");

	static final Duration TIMEOUT = Duration.ofSeconds(30);

	/** Selenium warns that it has no CDP bindings for this Chromium; the test uses none. */
	static final Logger CDP_LOGGER = Logger.getLogger("org.openqa.selenium.devtools");

	static final Logger CHROMIUM_LOGGER = Logger.getLogger("org.openqa.selenium.chromium");

	static Path userDataDirectory;

	static WebDriver browser;

	@LocalServerPort
	int port;

	@Autowired
	Environment environment;

	@BeforeAll
	static void startBrowser() throws IOException {
		System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
		CDP_LOGGER.setLevel(Level.SEVERE);
		CHROMIUM_LOGGER.setLevel(Level.SEVERE);
		userDataDirectory = Files.createTempDirectory("pgcdc-sample-chromium");
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
				"--user-data-dir=" + userDataDirectory, "--window-size=1440,1100");
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		browser = new ChromeDriver(service, options);
		Files.createDirectories(SCREENSHOTS);
	}

	@AfterAll
	static void stopBrowser() {
		if (browser != null) {
			browser.quit();
		}
		if (userDataDirectory != null) {
			FileSystemUtils.deleteRecursively(userDataDirectory.toFile());
		}
	}

	@AfterEach
	void screenshot(TestInfo test) throws IOException {
		Path file = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
		Files.copy(file, SCREENSHOTS.resolve(test.getTestMethod().orElseThrow().getName() + ".png"),
				StandardCopyOption.REPLACE_EXISTING);
	}

	@Test
	void aRowChangedWithSqlAppearsInTheFeedAndTheList() {
		openPage();
		String title = unique("From psql");
		OutsideClient.of(this.environment)
			.execute("INSERT INTO todos (user_id, title) SELECT min(id), ? FROM users", title);

		WebElement entry = waitFor(feedEntry("todos", "INSERT", title));
		assertThat(entry.getText()).contains("title=" + title).containsPattern("lsn [0-9A-F]+/[0-9A-F]+");
		waitFor(By.xpath("//ul[@id='todos']/li[contains(., '" + title + "')]"));

		long id = OutsideClient.of(this.environment).queryLongs("SELECT id FROM todos WHERE title = ?", title).get(0);
		OutsideClient.of(this.environment).execute("UPDATE todos SET done = true WHERE id = ?", id);
		WebElement update = waitFor(By.xpath("//ol[@id='feed']/li[@data-table='todos' and @data-op='UPDATE' and @data-id='"
				+ id + "']"));
		assertThat(update.getText()).contains("done: false → true");
		waitFor(By.xpath("//ol[@id='activity']/li[@data-handler='done' and contains(., '" + title + "')]"));
	}

	@Test
	void aTodoAddedOnThePageComesBackThroughTheStream() {
		openPage();
		String title = unique("Typed on the page");
		browser.findElement(By.id("todo-title")).sendKeys(title);
		browser.findElement(By.cssSelector("#todo-form button[type=submit]")).click();

		waitFor(feedEntry("todos", "INSERT", title));
		waitFor(By.xpath("//ol[@id='activity']/li[@data-handler='batch']"));
	}

	@Test
	void aSubscriptionSwitchedOffStopsItsChangesFromAppearing() {
		openPage();
		OutsideClient sql = OutsideClient.of(this.environment);
		By todosSwitch = By.cssSelector("#subscriptions input[data-table='todos']");
		waitUntil(ExpectedConditions.elementToBeClickable(switchOf(todosSwitch)));
		assertThat(browser.findElement(todosSwitch).isSelected()).isTrue();
		try {
			click(switchOf(todosSwitch));
			waitUntil(ExpectedConditions.elementSelectionStateToBe(todosSwitch, false));
			waitFor(By.xpath("//ul[@id='subscriptions']/li[contains(., 'off:')]"));
			waitFor(By.xpath("//ol[@id='activity']/li[@data-handler='control' and contains(., 'public.todos disabled')]"));

			String unseen = unique("Not dispatched");
			String marker = unique("Marker");
			sql.execute("INSERT INTO todos (user_id, title) SELECT min(id), ? FROM users", unseen);
			// users is still on: once this later change shows, the todo's transaction has passed
			sql.execute("UPDATE users SET name = ? WHERE id = (SELECT max(id) FROM users WHERE event_subscribe)",
					marker);
			waitFor(feedEntry("users", "UPDATE", marker));
			assertThat(browser.findElements(By.xpath("//ol[@id='feed']/li[contains(., '" + unseen + "')]")))
				.as("a change of a switched-off table is not dispatched")
				.isEmpty();

			click(switchOf(todosSwitch));
			waitUntil(ExpectedConditions.elementSelectionStateToBe(todosSwitch, true));
			String seen = unique("Dispatched again");
			sql.execute("INSERT INTO todos (user_id, title) SELECT min(id), ? FROM users", seen);
			waitFor(feedEntry("todos", "INSERT", seen));
		}
		finally {
			// leave the shared app as it was, whatever happened above
			RestClient.create("http://localhost:" + this.port)
				.post()
				.uri("/api/cdc/todos")
				.contentType(MediaType.APPLICATION_JSON)
				.body("{\"enabled\": true}")
				.retrieve()
				.toBodilessEntity();
		}
	}

	@Test
	void theSnapshotButtonReadsTheTableAgainAndShowsItsProgress() {
		openPage();
		By button = By.cssSelector("#subscriptions button[data-snapshot='todos']");
		waitUntil(ExpectedConditions.elementToBeClickable(button));
		click(button);
		waitUntil(ExpectedConditions.textMatches(By.cssSelector("#subscriptions [data-snapshot-progress='todos']"),
				Pattern.compile("snapshot done: \\d+ rows \\(100 %\\)")));
		WebElement row = waitFor(By.xpath("//ol[@id='feed']/li[@data-table='todos' and @data-op='SNAPSHOT']"));
		assertThat(row.findElement(By.cssSelector(".op")).getCssValue("background-color"))
			.as("the SNAPSHOT badge has a colour of its own, not white on white")
			.isNotIn("rgba(0, 0, 0, 0)", "transparent");
	}

	/**
	 * Opt-in: the README's picture of the page, after a few changes and a snapshot.
	 * @throws IOException if the file cannot be written
	 */
	@Test
	@EnabledIfSystemProperty(named = "pgcdc.sample.screenshot", matches = ".+")
	void thePageForTheReadme() throws IOException {
		Dimension size = browser.manage().window().getSize();
		browser.manage().window().setSize(new Dimension(1440, 1250));
		try {
			openPage();
			OutsideClient sql = OutsideClient.of(this.environment);
			String title = unique("Watch a change arrive from psql");
			sql.execute("INSERT INTO todos (user_id, title) SELECT min(id), ? FROM users", title);
			waitFor(feedEntry("todos", "INSERT", title));
			By button = By.cssSelector("#subscriptions button[data-snapshot='todos']");
			waitUntil(ExpectedConditions.elementToBeClickable(button));
			click(button);
			waitFor(By.xpath("//ol[@id='feed']/li[@data-table='todos' and @data-op='SNAPSHOT']"));
			sql.execute("UPDATE todos SET done = true WHERE title = ?", title);
			String name = unique("Ada");
			sql.execute("UPDATE users SET name = ? WHERE id = (SELECT min(id) FROM users)", name);
			waitFor(feedEntry("users", "UPDATE", name));
			waitFor(By.xpath("//ol[@id='activity']/li[@data-handler='cache']"));
			// run alone (-Dtest=SamplePageTests#thePageForTheReadme), the only snapshot is this one
			waitUntil(ExpectedConditions.textMatches(By.cssSelector("#subscriptions [data-snapshot-progress='todos']"),
					Pattern.compile("snapshot done: \\d+ rows \\(100 %\\)")));
			Path target = Paths.get(System.getProperty("pgcdc.sample.screenshot")).toAbsolutePath();
			Files.createDirectories(target.getParent());
			Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), target,
					StandardCopyOption.REPLACE_EXISTING);
			assertThat(target).isNotEmptyFile();
		}
		finally {
			browser.manage().window().setSize(size);
		}
	}

	private void openPage() {
		browser.get("http://localhost:" + this.port + "/");
		waitUntil(ExpectedConditions.textToBe(By.id("feed-connection"), "feed: live"));
		waitUntil(ExpectedConditions.textMatches(By.id("stream-state"), Pattern.compile("stream: STREAMING")));
	}

	private static By feedEntry(String table, String operation, String text) {
		return By.xpath("//ol[@id='feed']/li[@data-table='" + table + "' and @data-op='" + operation + "' and contains(., '"
				+ text + "')]");
	}

	/** The visible switch of a checkbox: the checkbox itself is hidden under its styled label. */
	private static By switchOf(By checkbox) {
		return new By() {
			@Override
			public List<WebElement> findElements(SearchContext context) {
				return context.findElements(checkbox)
					.stream()
					.map((input) -> input.findElement(By.xpath("./following-sibling::span")))
					.toList();
			}
		};
	}

	private static WebElement waitFor(By locator) {
		return waitUntil(ExpectedConditions.presenceOfElementLocated(locator));
	}

	/**
	 * Click what the locator finds, finding it again when the page re-rendered it in between (the
	 * subscriptions list is rebuilt every two seconds).
	 */
	private static void click(By locator) {
		waitUntil((driver) -> {
			try {
				driver.findElement(locator).click();
				return true;
			}
			catch (org.openqa.selenium.StaleElementReferenceException ex) {
				return null;
			}
		});
	}

	private static <T> T waitUntil(ExpectedCondition<T> condition) {
		return new WebDriverWait(browser, TIMEOUT).until(condition);
	}

	private static String unique(String prefix) {
		return prefix + " " + UUID.randomUUID().toString().substring(0, 8);
	}

	/** The system property, else its environment variable ({@code PGCDC_TEST_…}), else the default. */
	private static Path executable(String property, String defaultPath) {
		String value = System.getProperty(property);
		if (value == null || value.isBlank()) {
			value = System.getenv(property.toUpperCase().replace('.', '_'));
		}
		return Paths.get((value == null || value.isBlank()) ? defaultPath : value);
	}

	/**
	 * Disables the whole class when the browser or its driver is missing, so Surefire counts
	 * each test as skipped instead of dropping them, and no application context is started for
	 * nothing. Surefire shows no skip reasons on the console, so the reason is also logged.
	 */
	static final class BrowserInstalled implements ExecutionCondition {

		@Override
		public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
			List<Path> missing = Stream.of(CHROMIUM, CHROMEDRIVER).filter((path) -> !Files.isExecutable(path)).toList();
			if (missing.isEmpty()) {
				return ConditionEvaluationResult.enabled("chromium and chromedriver are installed");
			}
			String reason = "The page test needs Debian's chromium and chromium-driver; missing " + missing
					+ ": install them with .ci/install-browser";
			if (context.getTestMethod().isEmpty()) {
				LogFactory.getLog(SamplePageTests.class).warn("Skipped: " + reason);
			}
			return ConditionEvaluationResult.disabled(reason);
		}

	}

}
